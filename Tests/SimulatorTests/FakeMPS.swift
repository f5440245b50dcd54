// SPDX-License-Identifier: Apache-2.0

import APF
import Crypto
import Foundation
import NetCore
import TestSupport

/// A throwaway certificate made with the openssl CLI in a temporary directory.
struct TestCertificate {
    let certificatePEM: String
    let keyPEM: String

    static func generate() throws -> TestCertificate {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("amt-sim-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("key.pem").path
        let cert = dir.appendingPathComponent("cert.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FakeMPSError("openssl failed") }
        return TestCertificate(
            certificatePEM: try String(contentsOfFile: cert, encoding: .utf8),
            keyPEM: try String(contentsOfFile: key, encoding: .utf8)
        )
    }
}

struct FakeMPSError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What the fake MPS saw on one channel.
struct ChannelRecord: Sendable {
    var opened = false
    var failed: APFChannelOpenFailureReason??
    var received: [UInt8] = []
    var closed = false
}

/// One device connection at the fake MPS: the real server-side session over a real socket,
/// with a credentials check in memory. Loop-confined.
final class FakeTunnel: ConnectionHandler {
    weak var connection: Connection?
    var session: CIRAServerSession
    var decoder = APFDecoder(role: .server)
    let username: String
    let password: String
    var uuid: String?
    var authenticated = false
    var closed = false
    var keepAlives = 0
    var channels: [ChannelID: ChannelRecord] = [:]

    init(
        username: String,
        password: String,
        configuration: CIRAServerConfiguration,
        now: ContinuousClock.Instant
    ) {
        self.username = username
        self.password = password
        self.session = CIRAServerSession(configuration: configuration, now: now)
    }

    func connectionActive(_ connection: Connection) {}

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        self.decoder.append(bytes)
        while !connection.isClosed {
            do {
                guard let message = try self.decoder.next() else { break }
                self.perform(self.session.received(message, now: connection.loop.now))
            } catch {
                self.perform(self.session.decodingFailed(error))
                break
            }
        }
    }

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.closed = true
    }

    func perform(_ actions: [CIRAServerAction]) {
        guard let connection = self.connection else { return }
        for action in actions {
            switch action {
            case .send(let message):
                connection.write(message.encode())
            case .checkAllowlist(let uuid):
                self.uuid = uuid
                self.perform(self.session.allowlistChecked(known: true, now: connection.loop.now))
            case .verifyCredentials(_, let user, let pass):
                let valid = user == self.username && pass == self.password
                self.perform(self.session.credentialsChecked(valid: valid, now: connection.loop.now))
            case .authenticated:
                self.authenticated = true
            case .keepAliveSeen:
                self.keepAlives += 1
            case .channelOpened(let id):
                self.channels[id, default: ChannelRecord()].opened = true
            case .channelOpenFailed(let id, let reason):
                self.channels[id, default: ChannelRecord()].failed = .some(reason)
            case .channelData(let id, let bytes):
                self.channels[id, default: ChannelRecord()].received += bytes
            case .channelWritable:
                break
            case .channelClosed(let id):
                self.channels[id, default: ChannelRecord()].closed = true
            case .close:
                connection.close()
            }
        }
    }

    func openChannel(port: UInt32) throws -> ChannelID {
        guard let connection = self.connection else { throw FakeMPSError("no connection") }
        let (id, actions) = try self.session.openChannel(port: port, now: connection.loop.now)
        self.channels[id] = ChannelRecord()
        self.perform(actions)
        return id
    }

    func send(_ bytes: [UInt8], on id: ChannelID) throws {
        self.perform(try self.session.send(bytes, on: id))
    }

    func close(_ id: ChannelID) { self.perform(self.session.close(id)) }
}

/// The fake MPS's loop-confined state: every tunnel accepted so far.
final class FakeMPSState {
    var tunnels: [FakeTunnel] = []
    var latest: FakeTunnel? { self.tunnels.last { !$0.closed } }
}

/// A minimal MPS for loopback tests: a TLS listener on 127.0.0.1 whose connections run
/// ``CIRAServerSession``; tests inspect and drive it on its loop.
///
/// `@unchecked Sendable`: `state` is created before the listener starts and afterwards touched
/// only on `group`'s single loop (accept callbacks and closures passed to `run`).
final class FakeMPS: @unchecked Sendable {
    let group: EventLoopGroup
    let listener: Listener
    private let state = FakeMPSState()

    init(
        certificate: TestCertificate,
        username: String,
        password: String,
        configuration: CIRAServerConfiguration = .init()
    ) throws {
        self.group = try EventLoopGroup(threads: 1)
        let tls = try TLSContext.server(
            certificateChainPEM: certificate.certificatePEM,
            privateKeyPEM: certificate.keyPEM
        )
        let state = self.state
        self.listener = try Listener.bind(host: "127.0.0.1", port: 0, tls: tls, group: self.group) {
            connection in
            let tunnel = FakeTunnel(
                username: username,
                password: password,
                configuration: configuration,
                now: connection.loop.now
            )
            tunnel.connection = connection
            state.tunnels.append(tunnel)
            return tunnel
        }
    }

    var port: Int { self.listener.port }

    /// Runs `body` on the fake MPS's loop.
    func run<T: Sendable>(_ body: @escaping @Sendable (FakeMPSState) throws -> T) async throws -> T {
        let state = UncheckedBox(self.state)
        return try await self.group.loops[0].submit { try body(state.value) }
    }

    /// Polls `probe` on the loop until it returns a value (for `timeout` of polling, see
    /// `pollUntil(for:every:_:)`).
    @discardableResult
    func wait<T: Sendable>(
        _ what: String,
        timeout: Duration = .seconds(30),
        _ probe: @escaping @Sendable (FakeMPSState) -> T?
    ) async throws -> T {
        var found: T?
        _ = try await pollUntil(for: timeout, every: .milliseconds(5)) {
            found = try await self.run(probe)
            return found != nil
        }
        guard let found else { throw FakeMPSError("timed out waiting for \(what)") }
        return found
    }

    func shutdown() {
        self.listener.close()
        self.group.shutdown()
    }
}

/// Carries a loop-confined value into a closure that runs on that loop.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
