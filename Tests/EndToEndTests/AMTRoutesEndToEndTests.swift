import Foundation
import Simulator
import Testing
import TestSupport

/// Every /api/v1/amt route against a simulated device over a real CIRA tunnel.
@Suite(.serialized) struct AMTRoutesEndToEndTests {
    static func events(_ r: TestHTTPClient.Response) -> [String] {
        ((r.object["records"] as? [[String: Any]]) ?? []).compactMap { $0["Event"] as? String }
    }

    /// Starts a server and one connected simulated device.
    static func withDevice(
        _ guid: String, _ body: (TestServer, String) async throws -> Void
    ) async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let fleet = t.fleet([try await t.register(guid)])
        #expect(await t.reachable(fleet, guid))
        try await body(t, guid)
        await fleet.stop()
        await t.stop()
    }

    @Test func powerBootLogsAndInventory() async throws {
        try await Self.withDevice("a3000000-2222-4333-8444-555555555501") { t, g in
            let c = t.client
            let p = "/api/v1/amt"
            let first = try await c.get("\(p)/power/state/\(g)")
            #expect(first.object["powerstate"] as? Int == 2, "\(first.status) \(first.text)")
            let off = try await c.request("POST", "\(p)/power/action/\(g)", json: ["action": 8])
            #expect(off.status == 200)
            let body = off.object["Body"] as? [String: Any]
            #expect(body?["ReturnValue"] as? Int == 0 && body?["ReturnValueStr"] as? String == "SUCCESS")
            #expect(try await c.get("\(p)/power/state/\(g)").object["powerstate"] as? Int == 8)
            // Hibernate is not allowed from off (NOT_READY); power-on is, and the device boots.
            let hibernate = try await c.request("POST", "\(p)/power/action/\(g)", json: ["action": 7])
            #expect((hibernate.object["Body"] as? [String: Any])?["ReturnValueStr"] as? String == "NOT_READY")
            let on = try await c.request("POST", "\(p)/power/action/\(g)", json: ["action": 2])
            #expect((on.object["Body"] as? [String: Any])?["ReturnValue"] as? Int == 0)
            #expect(try await c.get("\(p)/power/state/\(g)").object["powerstate"] as? Int == 2)

            let pxe = try await c.request(
                "POST", "\(p)/power/bootOptions/\(g)", json: ["action": 400, "useSOL": false])
            #expect((pxe.object["Body"] as? [String: Any])?["ReturnValue"] as? Int == 0)
            let erase = try await c.request(
                "POST", "\(p)/power/bootOptions/\(g)", json: ["action": 104, "useSOL": false])
            #expect(erase.status == 200)

            let audit = try await c.get("\(p)/log/audit/\(g)")
            #expect(audit.status == 200)
            let names = Self.events(audit)
            #expect(names.first == "Performed Reset")  // newest first: the secure-erase reset
            #expect(names.contains("Performed Power Down") && names.contains("Performed Power Up"))
            #expect(names.contains("Set Boot Options"))
            #expect((audit.object["totalCnt"] as? Int ?? 0) >= 7)
            let skipped = try await c.request("GET", "\(p)/log/audit/\(g)?startIndex=1")
            #expect(Array(Self.events(skipped).prefix(3)) == Array(names.dropFirst().prefix(3)))

            let events = try await c.get("\(p)/log/event/\(g)")
            let descs = events.array.compactMap { ($0 as? [String: Any])?["Desc"] as? String }
            #expect(descs.contains("Starting operating system boot process"))
            #expect(descs.count >= 15)  // three boots of five records

            let capsResponse = try await c.get("\(p)/power/capabilities/\(g)")
            #expect(capsResponse.status == 200)
            let caps = capsResponse.object
            #expect(caps["Reset to PXE"] as? Int == 400 && caps["Reset to Secure Erase"] as? Int == 104)
            let version = try await c.get("\(p)/version/\(g)").object
            let list = (version["CIM_SoftwareIdentity"] as? [String: Any])?["responses"] as? [[String: Any]]
            #expect(list?.contains { $0["InstanceID"] as? String == "AMT" } == true)
            let settings = try await c.get("\(p)/generalSettings/\(g)").object
            #expect(
                ((settings["Body"] as? [String: Any])?["DigestRealm"] as? String)?.hasPrefix("Digest:")
                    == true)
            let hw = try await c.get("\(p)/hardwareInfo/\(g)")
            #expect(hw.status == 200)
            let packages = (hw.object["CIM_PhysicalPackage"] as? [String: Any])?["responses"] as? [Any]
            #expect(packages?.count == 3)  // card, storage, chassis: every page
            let memory = (hw.object["CIM_PhysicalMemory"] as? [String: Any])?["responses"] as? [Any]
            #expect(memory?.count == 2)
        }
    }

    @Test func featuresConsentAlarmsAndDeactivate() async throws {
        try await Self.withDevice("a3000000-2222-4333-8444-555555555502") { t, g in
            let c = t.client
            let p = "/api/v1/amt"
            let before = try await c.get("\(p)/features/\(g)").object
            #expect(before["userConsent"] as? String == "all" && before["kvmAvailable"] as? Bool == true)
            let set = try await c.request(
                "POST", "\(p)/features/\(g)",
                json: [
                    "userConsent": "none", "enableSOL": false, "enableIDER": true, "enableKVM": false,
                ])
            #expect(set.status == 200 && set.object["status"] as? String == "AMT Features updated")
            let after = try await c.get("\(p)/features/\(g)").object
            #expect(after["userConsent"] as? String == "none")
            #expect(after["SOL"] as? Bool == false && after["IDER"] as? Bool == true)
            #expect(after["KVM"] as? Bool == false && after["redirection"] as? Bool == true)
            let names = Self.events(try await c.get("\(p)/log/audit/\(g)"))
            #expect(names.contains("SoL Disabled") && names.contains("KVM Disabled"))
            #expect(names.contains("Opt-In Policy Change"))

            // No consent needed now: AMT refuses to show a code (NOT_PERMITTED).
            #expect(try await c.get("\(p)/userConsentCode/\(g)").status == 400)
            _ = try await c.request(
                "POST", "\(p)/features/\(g)",
                json: [
                    "userConsent": "all", "enableSOL": true, "enableIDER": true, "enableKVM": true,
                ])
            let start = try await c.get("\(p)/userConsentCode/\(g)")
            #expect(start.status == 200)
            #expect(try await c.get("\(p)/features/\(g)").object["optInState"] as? Int == 2)
            let wrong = try await c.request(
                "POST", "\(p)/userConsentCode/\(g)", json: ["consentCode": 1_000_000 - 1])
            // 999999 is wrong unless the device drew exactly that code.
            #expect(wrong.status == 400 || wrong.status == 200)
            #expect(try await c.get("\(p)/userConsentCode/cancel/\(g)").status == 200)
            #expect(try await c.get("\(p)/features/\(g)").object["optInState"] as? Int == 0)

            #expect(try await c.get("\(p)/alarmOccurrences/\(g)").array.isEmpty)
            let alarm: [String: Any] = [
                "ElementName": "wake", "StartTime": "2030-01-01T10:00:00Z", "Interval": 60,
            ]
            let added = try await c.request("POST", "\(p)/alarmOccurrences/\(g)", json: alarm)
            #expect(added.status == 200 && added.object["status"] as? String == "SUCCESS")
            let listed = try await c.get("\(p)/alarmOccurrences/\(g)").array as? [[String: Any]]
            #expect(listed?.first?["InstanceID"] as? String == "wake")
            #expect(listed?.first?["IntervalInMinutes"] as? Int == 60, "\(listed ?? [])")
            #expect(
                (listed?.first?["StartTime"] as? [String: Any])?["Datetime"] as? String
                    == "2030-01-01T10:00:00Z")
            #expect(try await c.request("POST", "\(p)/alarmOccurrences/\(g)", json: alarm).status == 400)
            #expect(
                try await c.request("DELETE", "\(p)/alarmOccurrences/\(g)", json: ["Name": "wake"]).status
                    == 200)
            let gone = try await c.request("DELETE", "\(p)/alarmOccurrences/\(g)", json: ["Name": "wake"])
            #expect(gone.status == 404 && gone.object["error"] as? String == "Alarm instance not found")

            #expect(
                try await c.get("/api/v1/devices/redirectstatus/\(g)").object["isKVMConnected"] as? Bool
                    == false)
            #expect(try await c.request("DELETE", "/api/v1/devices/refresh/\(g)").status == 200)
            let deactivated = try await c.request("DELETE", "\(p)/deactivate/\(g)")
            #expect(deactivated.status == 200 && deactivated.object["status"] as? String == "SUCCESS")
            #expect(try await c.get("/api/v1/devices/\(g)").status == 404)
        }
    }

    /// A device that accepts channels but never answers does not slow AMT calls to another.
    @Test func silentDeviceDoesNotSlowOthers() async throws {
        let t = try await TestServer.start { s in s.wsmanTimeout = .seconds(10) }
        defer { t.cleanup() }
        let stuck = "a3000000-2222-4333-8444-55555555550a"
        let healthy = "a3000000-2222-4333-8444-55555555550b"
        let fleet = t.fleet([try await t.register(stuck), try await t.register(healthy)])
        #expect(await t.reachable(fleet, stuck, healthy))
        try #require(fleet.device(stuck)).enable(.stallHTTP)
        let client = t.client
        async let slow = client.get("/api/v1/amt/features/\(stuck)")
        try await Task.sleep(for: .milliseconds(100))
        for _ in 0..<5 {
            let (r, took) = try await measureExcludingStalls {
                try await client.get("/api/v1/amt/features/\(healthy)")
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
}
