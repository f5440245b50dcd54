// SPDX-License-Identifier: Apache-2.0

import APF
import Foundation
import HTTP
import Logging
import NetCore
import Simulator
import Testing
import TestSupport
import WSMAN

let testGUID = "12345678-9abc-def0-1234-56789abcdef0"
let quietLogger = Logger(label: "amt-sim-test", level: .critical)

/// A device, a fake MPS and a fleet of one, torn down together.
struct LoopbackRig {
    let mps: FakeMPS
    let group: EventLoopGroup
    let fleet: SimulatedFleet

    static func start(
        mps configuration: CIRAServerConfiguration = .init(),
        _ configure: (inout SimulatedDevice) -> Void = { _ in }
    ) async throws -> LoopbackRig {
        let mps = try FakeMPS(
            certificate: try TestCertificate.generate(),
            username: "mpsuser",
            password: "Mps-P@ss1",
            configuration: configuration
        )
        var device = SimulatedDevice(
            guid: testGUID.uppercased(),
            mpsUsername: "mpsuser",
            mpsPassword: "Mps-P@ss1",
            amtUsername: "admin",
            amtPassword: "P@ssw0rd",
            hostname: "sim-host"
        )
        device.reconnectDelaySeconds = 0
        configure(&device)
        let group = try EventLoopGroup(threads: 1)
        let fleet = SimulatedFleet(
            devices: [device],
            mpsHost: "127.0.0.1",
            mpsPort: mps.port,
            group: group,
            logger: quietLogger
        )
        return LoopbackRig(mps: mps, group: group, fleet: fleet)
    }

    func shutdown() async {
        await self.fleet.stop()
        self.group.shutdown()
        self.mps.shutdown()
    }

    /// Opens a channel to `port` and waits for the device's answer.
    func openChannel(_ port: UInt32 = 16992) async throws -> (ChannelID, ChannelRecord) {
        let id = try await self.mps.run { try $0.latest!.openChannel(port: port) }
        let record = try await self.mps.wait("channel answer") { state -> ChannelRecord? in
            guard let r = state.latest?.channels[id], r.opened || r.failed != nil else { return nil }
            return r
        }
        return (id, record)
    }

    /// Sends one request on a channel and waits for one complete HTTP response.
    func exchange(_ request: [UInt8], on id: ChannelID) async throws -> HTTPResponse {
        let before = try await self.mps.run { $0.latest?.channels[id]?.received.count ?? 0 }
        try await self.mps.run { try $0.latest!.send(request, on: id) }
        return try await self.mps.wait("HTTP response") { state -> HTTPResponse? in
            guard let bytes = state.latest?.channels[id]?.received, bytes.count > before else { return nil }
            var parser = HTTPResponseParser()
            parser.append(bytes[before...])
            return try? parser.next()
        }
    }

    func channel(_ id: ChannelID) async throws -> ChannelRecord? {
        try await self.mps.run { $0.latest?.channels[id] }
    }

    /// Starts the fleet and waits until the MPS has seen all seven forwards.
    func startAndWaitForTunnel() async throws {
        self.fleet.start()
        try await self.waitForTunnel(count: 1)
    }

    /// Waits for the `count`-th authenticated tunnel with all forwards.
    func waitForTunnel(count: Int) async throws {
        try await self.mps.wait("tunnel \(count) up") { state in
            let ready = state.tunnels.filter { $0.authenticated && $0.session.forwardedPorts.count == 7 }
            return ready.count >= count && !(state.latest?.closed ?? true) ? true : nil
        }
        try await eventually("fleet counts the tunnel") { self.fleet.authenticatedCount == 1 }
    }
}

/// Builds `POST /wsman` the way the Swift MPS does.
func wsmanPost(_ envelope: String, authorization: String?) -> [UInt8] {
    var head = "POST /wsman HTTP/1.1\r\n"
    if let authorization { head += "Authorization: \(authorization)\r\n" }
    head += "Host: \(testGUID):16992\r\nContent-Length: \(envelope.utf8.count)\r\n\r\n"
    return Array((head + envelope).utf8)
}

@Suite struct FleetEndToEndTests {
    /// A device authenticates with the MPS, forwards its ports, and serves a Digest-protected
    /// Enumerate/Pull of its power state; a replayed nonce count is refused.
    @Test func servesPowerStateOverDigestAndRefusesReusedNonceCount() async throws {
        let rig = try await LoopbackRig.start()
        rig.fleet.start()
        try await rig.mps.wait("tunnel up") { state in
            state.latest.flatMap { $0.authenticated && $0.session.forwardedPorts.count == 7 ? true : nil }
        }
        let uuid = try await rig.mps.run { $0.latest?.uuid }
        #expect(uuid == testGUID)
        let ports = try await rig.mps.run { $0.latest?.session.forwardedPorts ?? [] }
        #expect(ports == [16993, 16992, 664, 623, 16995, 16994, 5900])
        try await eventually("fleet counts the tunnel") { rig.fleet.authenticatedCount == 1 }
        let handle = try #require(rig.fleet.device(testGUID.uppercased()))
        #expect(handle.connects == 1)
        #expect(handle.isConnected)

        // First request without credentials: 401 with AMT's challenge, then the channel closes.
        let uri = WSMANNamespace.cimBase + "CIM_ServiceAvailableToElement"
        let (first, opened) = try await rig.openChannel()
        #expect(opened.opened)
        let challengeResponse = try await rig.exchange(
            wsmanPost(WSMANRequest.enumerate(resourceURI: uri, messageID: 0), authorization: nil),
            on: first
        )
        #expect(challengeResponse.status == 401)
        #expect(challengeResponse.headers["Connection"] == "close")
        let header = try #require(challengeResponse.headers["WWW-Authenticate"])
        #expect(header.hasPrefix("Digest realm=\"Digest:"))
        #expect(header.hasSuffix(",stale=\"false\",qop=\"auth\""))
        try await rig.mps.wait("device closes the 401 channel") {
            $0.latest?.channels[first]?.closed == true ? true : nil
        }

        // Authorized Enumerate then Pull on a fresh channel.
        var client = DigestClient(challenge: try #require(DigestChallenge.parse(wwwAuthenticate: header)))
        let (second, _) = try await rig.openChannel()
        let enumAuth = client.authorization(
            method: "POST",
            uri: "/wsman",
            username: "admin",
            password: "P@ssw0rd"
        )
        let enumerated = try await rig.exchange(
            wsmanPost(WSMANRequest.enumerate(resourceURI: uri, messageID: 7), authorization: enumAuth),
            on: second
        )
        #expect(enumerated.status == 200)
        #expect(enumerated.headers["Transfer-Encoding"] == "chunked")
        let enumResponse = try WSMANResponse.decode(enumerated)
        #expect(enumResponse.relatesTo == "7")
        let context = try #require(enumResponse.enumerationContext)
        #expect(context == "01000000-0000-0000-0000-000000000000")

        let pullRequest = wsmanPost(
            WSMANRequest.pull(resourceURI: uri, context: context, messageID: 8),
            authorization: client.authorization(
                method: "POST",
                uri: "/wsman",
                username: "admin",
                password: "P@ssw0rd"
            )
        )
        let pulled = try WSMANResponse.decode(try await rig.exchange(pullRequest, on: second))
        #expect(pulled.relatesTo == "8")
        #expect(pulled.endOfSequence)
        let item = try #require(pulled.items.first)
        #expect(item.name == "CIM_AssociatedPowerManagementService")
        #expect(item.child("PowerState")?.text == "2")

        // The same Authorization again (nc not increased): 401, channel closed.
        let replay = try await rig.exchange(pullRequest, on: second)
        #expect(replay.status == 401)
        try await rig.mps.wait("device closes after the replay") {
            $0.latest?.channels[second]?.closed == true ? true : nil
        }
        #expect(handle.requestsServed == 4)
        #expect(handle.status.unauthorizedResponses == 2)

        await rig.shutdown()
        #expect(rig.fleet.authenticatedCount == 0)
        #expect(handle.disconnects == 1)
    }
}

/// Polls `condition` until it holds; throws after `timeout` of polling (time the test process
/// was starved does not count, see `pollUntil(for:every:_:)`).
func eventually(
    _ what: String,
    timeout: Duration = .seconds(30),
    _ condition: () async throws -> Bool
) async throws {
    guard try await pollUntil(for: timeout, every: .milliseconds(5), condition) else {
        throw FakeMPSError("timed out waiting for \(what)")
    }
}
