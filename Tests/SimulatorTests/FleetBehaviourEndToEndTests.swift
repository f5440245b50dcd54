// SPDX-License-Identifier: Apache-2.0

import APF
import Foundation
import HTTP
import NetCore
import Simulator
import Testing
import WSMAN

@Suite struct FleetBehaviourEndToEndTests {
    /// A wrong MPS password: USERAUTH_FAILURE is counted, the tunnel closes and (delay 0) the
    /// device stays down.
    @Test func wrongMPSPasswordIsCountedAndNotRetried() async throws {
        let rig = try await LoopbackRig.start { $0.mpsPassword = "wrong" }
        rig.fleet.start()
        let handle = try #require(rig.fleet.device(testGUID))
        try await eventually("auth failure and close") { handle.authFailures == 1 && handle.disconnects == 1 }
        try await Task.sleep(for: .milliseconds(200))
        #expect(handle.connects == 0)
        #expect(!handle.isConnected)
        #expect(rig.fleet.authenticatedCount == 0)
        let tunnels = try await rig.mps.run { $0.tunnels.count }
        #expect(tunnels == 1)
        await rig.shutdown()
    }

    /// When the MPS closes the tunnel the device reconnects after its delay; `disconnect()`
    /// keeps it down and `reconnect()` brings it back at once.
    @Test func reconnectsAfterMPSCloseAndObeysControls() async throws {
        let rig = try await LoopbackRig.start { $0.reconnectDelaySeconds = 0.2 }
        try await rig.startAndWaitForTunnel()
        let handle = try #require(rig.fleet.device(testGUID))
        try await rig.mps.run { $0.latest?.connection?.close() }
        try await eventually("device saw the close") { handle.disconnects == 1 }
        try await rig.waitForTunnel(count: 2)
        #expect(handle.connects == 2)

        handle.disconnect()
        try await eventually("disconnected") { handle.disconnects == 2 && rig.fleet.authenticatedCount == 0 }
        try await Task.sleep(for: .milliseconds(400))
        let held = try await rig.mps.run { $0.tunnels.count }
        #expect(held == 2)  // no automatic reconnect after disconnect()
        handle.reconnect()
        try await rig.waitForTunnel(count: 3)
        #expect(handle.connects == 3)
        await rig.shutdown()
    }

    /// Only 16992 and 16994 accept channels (reason 2 elsewhere, TLS 16995 included); under `.ignoreChannelOpens` (B26) an
    /// open gets no answer at all, and after disabling it the next open is confirmed.
    @Test func channelOpenPolicyAndIgnoreFault() async throws {
        let rig = try await LoopbackRig.start()
        try await rig.startAndWaitForTunnel()
        let handle = try #require(rig.fleet.device(testGUID))
        let (_, redirection) = try await rig.openChannel(16995)
        #expect(redirection.failed == .some(APFChannelOpenFailureReason.connectFailed))

        handle.enable(.ignoreChannelOpens)
        let ignored = try await rig.mps.run { try $0.latest!.openChannel(port: 16992) }
        try await Task.sleep(for: .milliseconds(300))
        let record = try await rig.channel(ignored)
        #expect(record?.opened == false)
        #expect(record?.failed == nil)

        handle.disable(.ignoreChannelOpens)
        let (_, confirmed) = try await rig.openChannel(16992)
        #expect(confirmed.opened)
        // The device counts the channel just after sending its confirmation.
        try await eventually("the device counted one opened channel") { handle.status.channelsOpened == 1 }
        #expect(handle.status.channelsOpened == 1)
        await rig.shutdown()
    }

    /// Keep-alives flow at the configured interval and the MPS's options request is answered
    /// with it; `.silent` (B08) stops all sending while TCP stays open; once the MPS drops the
    /// dead tunnel the fault clears and the device comes back healthy.
    @Test func keepAlivesSilenceAndRecovery() async throws {
        let rig = try await LoopbackRig.start {
            $0.keepAliveSeconds = 1
            $0.reconnectDelaySeconds = 0.1
        }
        try await rig.startAndWaitForTunnel()
        let handle = try #require(rig.fleet.device(testGUID))
        try await eventually("a keep-alive answered") { handle.keepAlivesAnswered >= 1 }
        let optionsReply = try await rig.mps.run { $0.latest?.session.deviceKeepAliveInterval }
        #expect(optionsReply == 1)
        #expect(handle.status.keepAliveInterval == 1)

        handle.enable(.silent)
        // A keep-alive the device wrote just before may still be on its way (a loaded machine
        // can hold it for long), so wait until the MPS has every one the device sent. The turn
        // on the device's loop lets a send that had already begun finish and be counted.
        try await rig.group.loops[0].submit {}
        let sent = handle.keepAlivesSent
        try await eventually("keep-alives sent before the silence arrive") {
            (try await rig.mps.run { $0.latest?.keepAlives ?? 0 }) == sent
        }
        try await Task.sleep(for: .milliseconds(1500))  // more than one keep-alive interval
        #expect(handle.keepAlivesSent == sent)
        let received = try await rig.mps.run { $0.latest?.keepAlives ?? 0 }
        #expect(received == sent)
        #expect(handle.isConnected)  // TCP still open: the device does not know it is dead

        try await rig.mps.run { $0.latest?.connection?.close() }
        try await rig.waitForTunnel(count: 2)
        #expect(handle.faults.isEmpty)
        #expect(handle.connects == 2)
        await rig.shutdown()
    }

    /// Windows both ways: a request larger than the device's 512-byte window arrives in pieces
    /// and is served; a reply larger than the MPS's 700-byte window waits for its adjusts and
    /// arrives whole (the MPS session would drop an overrun tunnel).
    @Test func honoursSmallWindowsBothWays() async throws {
        var config = CIRAServerConfiguration()
        config.receiveWindow = 700
        let rig = try await LoopbackRig.start(mps: config) { $0.channelWindow = 512 }
        try await rig.startAndWaitForTunnel()
        let uri = WSMANNamespace.cimBase + "CIM_SoftwareIdentity"
        let (first, _) = try await rig.openChannel()
        let challenge = try await rig.exchange(
            wsmanPost(WSMANRequest.enumerate(resourceURI: uri, messageID: 0), authorization: nil),
            on: first
        )
        var client = DigestClient(
            challenge: try #require(
                DigestChallenge.parse(wwwAuthenticate: challenge.headers["WWW-Authenticate"] ?? "")
            )
        )
        let (id, _) = try await rig.openChannel()
        func auth() -> String {
            client.authorization(method: "POST", uri: "/wsman", username: "admin", password: "P@ssw0rd")
        }
        let enumerate = wsmanPost(
            WSMANRequest.enumerate(resourceURI: uri, messageID: 1),
            authorization: auth()
        )
        #expect(enumerate.count > 512)
        let e = try WSMANResponse.decode(try await rig.exchange(enumerate, on: id))
        let pull = wsmanPost(
            WSMANRequest.pull(resourceURI: uri, context: try #require(e.enumerationContext), messageID: 2),
            authorization: auth()
        )
        let response = try await rig.exchange(pull, on: id)
        #expect(response.body.count > 700)
        let items = try WSMANResponse.decode(response).items
        #expect(items.count == 11)
        let open = try await rig.mps.run { $0.latest.map { !$0.closed } ?? false }
        #expect(open)
        await rig.shutdown()
    }
}

@Suite struct FleetScaleEndToEndTests {
    /// 200 devices on two loops, paced at 500 connections/s, all authenticate with their own
    /// GUIDs; stop() returns with every tunnel closed.
    @Test func twoHundredDevicesAuthenticateAndStop() async throws {
        let mps = try FakeMPS(
            certificate: try TestCertificate.generate(),
            username: "mpsuser",
            password: "Mps-P@ss1"
        )
        let group = try EventLoopGroup(threads: 2)
        let guids = SimulatedFleet.derivedGUIDs(first: testGUID, count: 200)
        let devices = guids.map {
            SimulatedDevice(
                guid: $0,
                mpsUsername: "mpsuser",
                mpsPassword: "Mps-P@ss1",
                amtUsername: "admin",
                amtPassword: "P@ssw0rd",
                hostname: "h"
            )
        }
        let fleet = SimulatedFleet(
            devices: devices,
            mpsHost: "127.0.0.1",
            mpsPort: mps.port,
            group: group,
            logger: quietLogger
        )
        let started = ContinuousClock.now
        fleet.start()
        try await eventually("200 tunnels", timeout: .seconds(60)) { fleet.authenticatedCount == 200 }
        // Paced (500/s after a small burst allowance), so never all at once.
        #expect(ContinuousClock.now - started > .milliseconds(200))
        let seen = try await mps.run { Set($0.tunnels.compactMap(\.uuid)) }
        #expect(seen == Set(guids))
        await fleet.stop()
        #expect(fleet.authenticatedCount == 0)
        #expect(fleet.summary.disconnects == 200)
        #expect(fleet.summary.connected == 0)
        group.shutdown()
        mps.shutdown()
    }
}
