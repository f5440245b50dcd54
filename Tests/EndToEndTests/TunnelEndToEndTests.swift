import Foundation
import Simulator
import Testing

/// The walking skeleton end to end: devices dial in over TLS + APF, are admitted only when
/// registered and authenticated, and a WS-MAN call travels through the tunnel and back.
@Suite(.serialized) struct TunnelEndToEndTests {
    @Test func deviceConnectsIsListedAndAnswersPowerState() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "11111111-2222-4333-8444-555555555555"
        let fleet = t.fleet([try await t.register(guid)])
        #expect(await eventually { fleet.authenticatedCount == 1 })
        #expect(await eventually {
            let r = try? await t.client.get("/api/v1/devices/\(guid)")
            return r?.object["connectionStatus"] as? Bool == true
        })
        let listed = try await t.client.get("/api/v1/devices?$count=true")
        #expect(listed.status == 200)
        #expect(listed.object["totalCount"] as? Int == 1)
        let power = try await t.client.get("/api/v1/amt/power/state/\(guid)")
        #expect(power.status == 200)
        #expect(power.object["powerstate"] as? Int == 2)
        await fleet.stop()
        #expect(await eventually {
            let r = try? await t.client.get("/api/v1/devices/\(guid)")
            return r?.object["connectionStatus"] as? Bool == false
        })
        await t.stop()
    }

    /// A device listed as connected is usable at once: a call made after it authenticated but
    /// before its ports were forwarded (they come one at a time, here 300 ms apart) waits for
    /// the forward instead of failing with "device did not forward port 16992".
    @Test func callRightAfterConnectWaitsForThePortForward() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "12111111-2222-4333-8444-555555555555"
        var device = try await t.register(guid)
        device.faults = [.slowForwards]
        let fleet = t.fleet([device])
        #expect(await eventually { t.server.tunnels.isConnected(guid) })
        // The call is made some 2 s before the device's last forward (7 ports, 300 ms apart).
        let power = try await t.client.get("/api/v1/amt/power/state/\(guid)")
        #expect(power.status == 200, "\(power.object)")
        #expect(power.object["powerstate"] as? Int == 2)
        await fleet.stop()
        await t.stop()
    }

    @Test func wrongMPSPasswordIsRefused() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "21111111-2222-4333-8444-555555555555"
        var device = try await t.register(guid)
        device.mpsPassword = "Wrong-Passw0rd!"
        device.reconnectDelaySeconds = 0
        let fleet = t.fleet([device])
        let handle = try #require(fleet.device(guid))
        #expect(await eventually { handle.authFailures >= 1 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(fleet.authenticatedCount == 0)
        #expect(!t.server.tunnels.isConnected(guid))
        let r = try await t.client.get("/api/v1/devices/\(guid)")
        #expect(r.object["connectionStatus"] as? Bool == false)
        await fleet.stop()
        await t.stop()
    }

    @Test func unknownDeviceIsRefused() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "31111111-2222-4333-8444-555555555555"
        var device = SimulatedDevice(
            guid: guid, mpsUsername: "u", mpsPassword: "Sim-Passw0rd!", amtUsername: "admin",
            amtPassword: "x", hostname: "h")
        device.reconnectDelaySeconds = 0
        let fleet = t.fleet([device])
        let handle = try #require(fleet.device(guid))
        #expect(await eventually { handle.disconnects >= 1 })
        #expect(fleet.authenticatedCount == 0)
        #expect(handle.authFailures == 0, "refused before any credential was exchanged")
        let r = try await t.client.get("/api/v1/devices/\(guid)")
        #expect(r.status == 404)
        await fleet.stop()
        await t.stop()
    }

    @Test func sameGUIDReconnectKeepsDeviceConnected() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "41111111-2222-4333-8444-555555555555"
        var device = try await t.register(guid)
        // Replaced, the first device stays down (after its default 5 s it would come back and
        // replace the second, in the middle of the calls below on a slow machine).
        device.reconnectDelaySeconds = 3600
        let first = t.fleet([device])
        #expect(await eventually { first.authenticatedCount == 1 })
        var second = device
        second.reconnectDelaySeconds = 0
        let other = t.fleet([second])
        #expect(await eventually { other.authenticatedCount == 1 })
        // The first connection is replaced; its close must not mark the device offline.
        #expect(await eventually { first.device(guid)?.disconnects == 1 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(t.server.tunnels.isConnected(guid))
        let r = try await t.client.get("/api/v1/devices/\(guid)")
        #expect(r.object["connectionStatus"] as? Bool == true)
        let power = try await t.client.get("/api/v1/amt/power/state/\(guid)")
        #expect(power.object["powerstate"] as? Int == 2)
        await first.stop()
        await other.stop()
        await t.stop()
    }

    @Test func restartLeavesNoDeviceConnected() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "51111111-2222-4333-8444-555555555555"
        var device = try await t.register(guid)
        device.reconnectDelaySeconds = 0
        let fleet = t.fleet([device])
        #expect(await eventually { fleet.authenticatedCount == 1 })
        await fleet.stop()
        await t.stop()
        let again = try await TestServer.start(dataDirectory: t.dataDirectory)
        let r = try await again.client.get("/api/v1/devices/\(guid)")
        #expect(r.status == 200)
        #expect(r.object["connectionStatus"] as? Bool == false)
        let stats = try await again.client.get("/api/v1/devices/stats")
        #expect(stats.object["connectedCount"] as? Int == 0)
        await again.stop()
    }
}
