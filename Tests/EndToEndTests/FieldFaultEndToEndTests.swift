import Foundation
import Simulator
import Testing
import TestSupport

/// Field faults of the cira and api components, end to end with simulated devices.
@Suite(.serialized) struct FieldFaultEndToEndTests {
    /// B08: a device that goes silent with TCP open is closed within the dead-peer timeout and
    /// marked disconnected; its next connection is accepted normally.
    @Test func silentDeviceIsDetectedAndMayReconnect() async throws {
        let t = try await TestServer.start { s in
            // Short enough for a test, long enough that a healthy device on a loaded 2-core
            // machine is never taken for a dead one: the effective timeout is 6 s.
            s.tunnel.keepAliveInterval = 1
            s.tunnel.idleTimeout = .seconds(4)
            s.tunnel.idleMargin = .seconds(2)
        }
        defer { t.cleanup() }
        let guid = "b0800000-2222-4333-8444-555555555555"
        var device = try await t.register(guid)
        device.keepAliveSeconds = 0
        device.reconnectDelaySeconds = 0.5
        let fleet = t.fleet([device])
        let handle = try #require(fleet.device(guid))
        #expect(await t.reachable(fleet, guid))
        let started = ContinuousClock.now
        handle.enable(.silent)
        let (gone, took) = await measureExcludingStalls {
            await eventually(.seconds(30)) { handle.disconnects >= 1 }
        }
        #expect(gone)
        let detected = ContinuousClock.now - started
        #expect(detected >= .seconds(5), "not before the dead-peer timeout (\(detected))")
        // Stalls of the test process left out of the upper bound (the lower one is wall time).
        #expect(took < .seconds(20), "closed after \(took) (\(detected) in all)")
        // The silent fault clears with the closed tunnel; the device comes back.
        #expect(await eventually(.seconds(30)) { handle.connects >= 2 && t.server.tunnels.isConnected(guid) })
        await fleet.stop()
        await t.stop()
    }

    /// B07: two live devices share one GUID and keep displacing each other. At any moment at most
    /// one tunnel is registered, the server stays up, and API calls get whole answers.
    @Test func twoDevicesWithOneGUID() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "b0700000-2222-4333-8444-555555555555"
        var device = try await t.register(guid)
        device.reconnectDelaySeconds = 0.3
        let a = t.fleet([device])
        let b = t.fleet([device])
        // Five seconds of calls, and on a machine too loaded for any of them to catch a tunnel
        // that stays up for a whole call, on until one does (for at most a minute).
        let deadline = ContinuousClock.now + .seconds(5), last = deadline + .seconds(55)
        var answers = 0
        while ContinuousClock.now < deadline || (answers == 0 && ContinuousClock.now < last) {
            #expect(t.server.tunnels.connectedCount <= 1)
            let r = try await t.client.get("/api/v1/amt/power/state/\(guid)")
            #expect([200, 404, 502, 504].contains(r.status), "status \(r.status)")
            if r.status == 200 {
                #expect(r.object["powerstate"] as? Int == 2)
                answers += 1
            }
        }
        #expect(answers > 0)
        #expect(try await t.client.get("/api/v1/health").status == 200)
        await a.stop()
        await b.stop()
        await t.stop()
    }

    /// B26: a device that never answers CHANNEL_OPEN gets a 504 within the timeout, and later
    /// calls do not pile up on it.
    @Test func channelOpenNeverAnsweredGives504() async throws {
        let t = try await TestServer.start { s in
            s.wsmanTimeout = .seconds(3)
            s.tunnel.channelOpenTimeout = .seconds(2)
        }
        defer { t.cleanup() }
        let guid = "b2600000-2222-4333-8444-555555555555"
        let fleet = t.fleet([try await t.register(guid)])
        let handle = try #require(fleet.device(guid))
        #expect(await t.reachable(fleet, guid))
        handle.enable(.ignoreChannelOpens)
        for _ in 0..<2 {
            let (r, took) = try await measureExcludingStalls {
                try await t.client.get("/api/v1/amt/power/state/\(guid)")
            }
            #expect(r.status == 504)
            // The 3 s time-out plus slack; far below the 20 s default. Stalls left out.
            #expect(took < .seconds(9), "\(took)")
        }
        handle.disable(.ignoreChannelOpens)
        let ok = try await t.client.get("/api/v1/amt/power/state/\(guid)")
        #expect(ok.status == 200)
        await fleet.stop()
        await t.stop()
    }

    /// B27: a device that accepts the channel but never answers does not slow calls to others.
    @Test func stalledDeviceDoesNotDelayOthers() async throws {
        let t = try await TestServer.start { s in s.wsmanTimeout = .seconds(10) }
        defer { t.cleanup() }
        let stuck = "b2700000-2222-4333-8444-55555555555a"
        let healthy = "b2700000-2222-4333-8444-55555555555b"
        let fleet = t.fleet([try await t.register(stuck), try await t.register(healthy)])
        #expect(await t.reachable(fleet, stuck, healthy))
        try #require(fleet.device(stuck)).enable(.stallHTTP)
        let client = t.client
        async let slow = client.get("/api/v1/amt/power/state/\(stuck)")
        try await Task.sleep(for: .milliseconds(100))
        for _ in 0..<10 {
            let (r, took) = try await measureExcludingStalls {
                try await client.get("/api/v1/amt/power/state/\(healthy)")
            }
            #expect(r.status == 200)
            // Queued behind the stalled call, this would take the whole 10 s time-out (stalls
            // of the test process are left out).
            #expect(took < .seconds(5), "\(took)")
        }
        #expect(try await slow.status == 504)
        await fleet.stop()
        await t.stop()
    }

    /// B25: a bare HTTP 400 from AMT is an upstream error; the tunnel stays up and the next call
    /// succeeds.
    @Test func bareHTTP400IsAnUpstreamError() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "b2500000-2222-4333-8444-555555555555"
        let fleet = t.fleet([try await t.register(guid)])
        let handle = try #require(fleet.device(guid))
        #expect(await t.reachable(fleet, guid))
        handle.enable(.httpStatus(400))
        let r = try await t.client.get("/api/v1/amt/power/state/\(guid)")
        #expect(r.status == 502)
        #expect((r.object["errorDescription"] as? String)?.contains("400") == true)
        #expect(t.server.tunnels.isConnected(guid))
        #expect(try await t.client.get("/api/v1/amt/power/state/\(guid)").status == 200)
        await fleet.stop()
        await t.stop()
    }

    /// B22: OSPowerSavingState missing (a powered-off device) still gives the power state.
    @Test func missingOptionalPropertyStillAnswers() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "b2200000-2222-4333-8444-555555555555"
        var device = try await t.register(guid)
        device.initialPowerState = 8
        device.faults = [.omitOSPowerSavingState]
        let fleet = t.fleet([device])
        #expect(await t.reachable(fleet, guid))
        let r = try await t.client.get("/api/v1/amt/power/state/\(guid)")
        #expect(r.status == 200)
        #expect(r.object["powerstate"] as? Int == 8)
        await fleet.stop()
        await t.stop()
    }

    /// B37: many devices connect and disconnect while API writes run; every write lands and the
    /// final status in the database matches the live tunnels.
    @Test func concurrentStatusAndAPIWrites() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        var devices: [SimulatedDevice] = []
        for i in 0..<50 {
            var d = try await t.register(String(format: "b3700000-0000-4000-8000-%012x", i))
            d.reconnectDelaySeconds = 0
            devices.append(d)
        }
        let fleet = t.fleet(devices)
        let client = t.client
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<20 {
                group.addTask {
                    let guid = String(format: "b3711111-0000-4000-8000-%012x", i)
                    return try await client.request("POST", "/api/v1/devices", json: ["guid": guid, "hostname": "w\(i)"]).status
                }
            }
            for try await status in group { #expect(status == 201) }
        }
        #expect(await eventually(.seconds(20)) { t.server.tunnels.connectedCount == 50 })
        for d in devices.prefix(25) { fleet.device(d.guid)?.disconnect() }
        #expect(await eventually(.seconds(20)) {
            guard let stats = try? await client.get("/api/v1/devices/stats") else { return false }
            return stats.object["connectedCount"] as? Int == 25 && t.server.tunnels.connectedCount == 25
        })
        let stats = try await client.get("/api/v1/devices/stats")
        #expect(stats.object["totalCount"] as? Int == 70)
        await fleet.stop()
        await t.stop()
    }
}
