import Crypto
import NetCore
import Synchronization
import Testing
import TestSupport

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(self.what)" }
}

/// Polls `condition` until it holds; fails the test after `timeout` of polling (time the test
/// process was starved does not count, see `pollUntil(for:every:_:)`).
func eventually(
    _ what: String,
    timeout: Duration = .seconds(30),
    _ condition: () async -> Bool
) async throws {
    guard await pollUntil(for: timeout, every: .milliseconds(2), condition) else { throw TimedOut(what: what) }
}

/// Runs `body` with a fresh group and always shuts it down.
@discardableResult
func withGroup<T>(threads: Int = 2, _ body: (EventLoopGroup) async throws -> T) async throws -> T {
    let group = try EventLoopGroup(threads: threads)
    do {
        let result = try await body(group)
        group.shutdown()
        return result
    } catch {
        group.shutdown()
        throw error
    }
}

/// What handlers saw, written on loop threads and read by the test.
final class Events: Sendable {
    struct State {
        var active = 0
        var closed = 0
        var errors: [String] = []
        var cleanCloses = 0
        var received: [UInt8] = []
        var receivedCount = 0
        var reads = 0
        var writableCalls = 0
        var maxPending = 0
        var tlsVersions: [String?] = []
        var cipherSuites: [String?] = []
        var fingerprints: [[UInt8]?] = []
        var peerCertificateCounts: [Int] = []
        var remoteAddresses: [String] = []
        var log: [String] = []
        var callsAfterClose = 0
    }
    let state = Mutex(State())

    func update(_ body: (inout State) -> Void) { self.state.withLock { body(&$0) } }
    func read<T>(_ body: (State) -> T) -> T { self.state.withLock { body($0) } }
    var active: Int { self.read(\.active) }
    var closed: Int { self.read(\.closed) }
}

/// A handler whose behaviour is given as closures, recording everything into `events`.
final class Probe: ConnectionHandler {
    let events: Events
    let keepBytes: Bool
    var onActive: ((Connection) -> Void)?
    var onRead: ((Connection, [UInt8]) -> Void)?
    var onWritable: ((Connection) -> Void)?
    var onClosed: ((Connection) -> Void)?
    var onDeadline: ((Connection) -> Void)?
    private var isClosed = false

    init(_ events: Events, keepBytes: Bool = true) {
        self.events = events
        self.keepBytes = keepBytes
    }

    func connectionActive(_ connection: Connection) {
        let version = connection.tlsVersion
        let cipher = connection.tlsCipherSuite
        let fingerprint = connection.tlsPeerCertificateSHA256
        let certificates = connection.tlsPeerCertificateCount
        self.events.update {
            $0.peerCertificateCounts.append(certificates)
            $0.active += 1
            $0.tlsVersions.append(version)
            $0.cipherSuites.append(cipher)
            $0.fingerprints.append(fingerprint)
            $0.remoteAddresses.append(connection.remoteAddress)
            $0.log.append("active")
            if self.isClosed { $0.callsAfterClose += 1 }
        }
        self.onActive?(connection)
    }

    func connectionDeadlinePassed(_ connection: Connection) {
        self.events.update {
            $0.log.append("deadline")
            if self.isClosed { $0.callsAfterClose += 1 }
        }
        self.onDeadline?(connection)
    }

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        self.events.update {
            $0.reads += 1
            $0.receivedCount += bytes.count
            if self.keepBytes { $0.received += bytes }
            if self.isClosed || connection.isClosed { $0.callsAfterClose += 1 }
        }
        self.onRead?(connection, bytes)
    }

    func connectionWritable(_ connection: Connection) {
        self.events.update {
            $0.writableCalls += 1
            if self.isClosed { $0.callsAfterClose += 1 }
        }
        self.onWritable?(connection)
    }

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.events.update {
            if self.isClosed { $0.callsAfterClose += 1 }
            $0.closed += 1
            if let error { $0.errors.append("\(error)") } else { $0.cleanCloses += 1 }
            $0.log.append(error.map { "closed: \($0)" } ?? "closed")
        }
        self.isClosed = true
        self.onClosed?(connection)
    }
}

/// A value handed to loop code and only touched on that loop's thread (tests only).
final class LoopBound<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

enum TestTLS {
    static func rsaServer(minimum: TLSVersion = .tls1_2) throws -> TLSContext {
        try TLSContext.server(
            certificateChainPEM: TestCertificates.rsaCertificate,
            privateKeyPEM: TestCertificates.rsaKey,
            minimumVersion: minimum
        )
    }

    static func leafServer() throws -> TLSContext {
        try TLSContext.server(
            certificateChainPEM: TestCertificates.leafCertificate + "\n"
                + TestCertificates.rootCertificate,
            privateKeyPEM: TestCertificates.leafKey
        )
    }

    static func insecureClient(minimum: TLSVersion = .tls1_2, maximum: TLSVersion? = nil) throws
        -> TLSContext
    {
        try TLSContext.client(
            trustedRootsPEM: nil,
            verifyPeer: false,
            minimumVersion: minimum,
            maximumVersion: maximum
        )
    }

    /// SHA-256 of the DER inside a PEM certificate, computed independently of OpenSSL's parser.
    static func fingerprint(ofPEM pem: String) -> [UInt8] {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Hash.sha256(base64Decode(body))
    }

    private static func base64Decode(_ text: String) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var values = [UInt8: UInt32]()
        for (index, char) in alphabet.enumerated() { values[char] = UInt32(index) }
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for char in text.utf8 {
            guard let value = values[char] else { continue }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}

/// Starts an echo server: every byte read is written back, with read backpressure.
func startEchoServer(
    group: EventLoopGroup,
    host: String = "127.0.0.1",
    tls: TLSContext?,
    events: Events,
    handshakeTimeout: Duration = .seconds(10)
) throws -> Listener {
    try Listener.bind(host: host, port: 0, tls: tls, group: group, handshakeTimeout: handshakeTimeout) {
        _ in
        let probe = Probe(events, keepBytes: false)
        probe.onRead = { connection, bytes in
            connection.write(bytes)
            let pending = connection.pendingWriteBytes
            events.update { $0.maxPending = max($0.maxPending, pending) }
            if !connection.isWritable { connection.setReadingEnabled(false) }
        }
        probe.onWritable = { connection in connection.setReadingEnabled(true) }
        return probe
    }
}

/// Connects a `Probe` from `loop` and returns once the connect call was made.
@discardableResult
func connectProbe(
    loop: EventLoop,
    port: Int,
    host: String = "127.0.0.1",
    tls: TLSContext?,
    serverName: String? = nil,
    events: Events,
    configure: @escaping @Sendable (Probe) -> Void = { _ in }
) async throws -> UInt64 {
    try await loop.submit {
        let probe = Probe(events)
        configure(probe)
        return ClientBootstrap.connect(
            host: host,
            port: port,
            tls: tls,
            serverName: serverName,
            on: loop,
            handler: probe
        ).id
    }
}
