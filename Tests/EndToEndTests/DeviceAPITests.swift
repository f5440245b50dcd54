import Foundation
import Testing

/// The REST device registry over real HTTPS with an API key: the reference contract's paths,
/// status codes and shapes, and the field faults of the api and db components.
@Suite(.serialized) struct DeviceAPITests {
    @Test func everyRouteNeedsAnAPIKeyExceptThePublicOnes() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        var anonymous = t.client
        anonymous.apiKey = nil
        let denied = try await anonymous.get("/api/v1/devices")
        #expect(denied.status == 401)
        #expect(denied.object["error"] as? String == "Unauthorized")
        #expect(try await anonymous.get("/api/v1/amt/power/state/x").status == 401)
        #expect(try await anonymous.get("/api/v1/health").status == 200)
        let version = try await anonymous.get("/api/v1/version")
        #expect(version.object["serviceVersion"] as? String != nil)
        let cert = try await anonymous.get("/api/v1/ciracert")
        #expect(cert.text.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(cert.text == t.server.certificates.rootPEM)
        await t.stop()
    }

    /// B35: wrong keys of any length or content are 401, never a server error.
    @Test func wrongAPIKeysAreRefusedWithoutErrors() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        var last = t.apiKey
        last.removeLast()
        last.append(t.apiKey.last == "A" ? "B" : "A")
        let keys = ["", "x", last, String(repeating: "k", count: 65536), "ключ", t.apiKey + "x"]
        for key in keys {
            var c = t.client
            c.apiKey = key
            let r = try await c.get("/api/v1/devices")
            #expect(r.status == 401 || (key.count > 16000 && r.status == 431), "key of length \(key.count)")
        }
        #expect(try await t.client.get("/api/v1/devices").status == 200)
        await t.stop()
    }

    @Test func createReadUpdateDelete() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "33333333-4444-4555-8666-777777777777"
        let created = try await t.client.request("POST", "/api/v1/devices", json: [
            "guid": guid, "hostname": "h1", "tags": ["lab", "acm"], "friendlyName": "Lab PC",
            "deviceInfo": ["fwVersion": "16.1.25"],
        ])
        #expect(created.status == 201)
        #expect(created.object["hostname"] as? String == "h1")
        #expect(created.object["connectionStatus"] as? Bool == false)
        #expect(created.object["tenantId"] as? String == "")
        // B39: POSTing the same GUID again updates the one row.
        let again = try await t.client.request("POST", "/api/v1/devices", json: ["guid": guid, "hostname": "h2"])
        #expect(again.status == 200)
        #expect(again.object["hostname"] as? String == "h2")
        #expect(again.object["tags"] as? [String] == ["lab", "acm"])
        let list = try await t.client.get("/api/v1/devices?$count=true")
        #expect(list.object["totalCount"] as? Int == 1)
        let patched = try await t.client.request("PATCH", "/api/v1/devices", json: [
            "guid": guid, "friendlyName": "Renamed",
        ])
        #expect(patched.status == 200)
        #expect(patched.object["friendlyName"] as? String == "Renamed")
        let missing = try await t.client.request("PATCH", "/api/v1/devices", json: [
            "guid": "99999999-4444-4555-8666-777777777777", "hostname": "x",
        ])
        #expect(missing.status == 404)
        let tags = try await t.client.get("/api/v1/devices/tags")
        #expect(Set(tags.array.compactMap { $0 as? String }) == ["lab", "acm"])
        let stats = try await t.client.get("/api/v1/devices/stats")
        #expect(stats.object["totalCount"] as? Int == 1)
        #expect(stats.object["connectedCount"] as? Int == 0)
        #expect(stats.object["disconnectedCount"] as? Int == 1)
        #expect(try await t.client.request("DELETE", "/api/v1/devices/\(guid)").status == 204)
        #expect(try await t.client.get("/api/v1/devices/\(guid)").status == 404)
        #expect(try await t.client.request("DELETE", "/api/v1/devices/\(guid)").status == 404)
        await t.stop()
    }

    /// B05: both case forms of a GUID resolve to one record; the uppercase POST is no new row.
    @Test func guidsAreCaseInsensitive() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let lower = "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0000"
        #expect(try await t.client.request("POST", "/api/v1/devices", json: ["guid": lower]).status == 201)
        let upper = try await t.client.get("/api/v1/devices/\(lower.uppercased())")
        #expect(upper.status == 200)
        #expect(upper.object["guid"] as? String == lower)
        let dup = try await t.client.request("POST", "/api/v1/devices", json: ["guid": lower.uppercased()])
        #expect(dup.status == 200)
        let stats = try await t.client.get("/api/v1/devices/stats")
        #expect(stats.object["totalCount"] as? Int == 1)
        await t.stop()
    }

    /// B30: bad paging parameters are 400s naming the parameter, never 500.
    @Test func badPagingParametersAreClientErrors() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        for q in ["$top=-1", "$top=abc", "$skip=-5", "$top=99999999999999999999", "$top=1&$top=2",
                  "status=2", "method=XOR", "$count=maybe"] {
            let r = try await t.client.get("/api/v1/devices?\(q)")
            #expect(r.status == 400, "\(q)")
            let errors = r.object["errors"] as? [[String: Any]]
            #expect(errors?.first?["path"] as? String != nil, "\(q) names its field")
        }
        #expect(try await t.client.get("/api/v1/devices?$top=2&$skip=0").status == 200)
        #expect(try await t.client.get("/api/v1/devices?$top=5000").status == 200, "clamped, documented")
        await t.stop()
    }

    @Test func pagingAndFilters() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        for i in 0..<7 {
            let guid = String(format: "%08x-0000-4000-8000-000000000000", i + 1)
            let tags = i % 2 == 0 ? ["even"] : ["odd"]
            _ = try await t.client.request("POST", "/api/v1/devices", json: [
                "guid": guid, "hostname": "host\(i)", "tags": tags,
            ])
        }
        let page = try await t.client.get("/api/v1/devices?$top=3&$skip=3&$count=true")
        let data = page.object["data"] as? [[String: Any]] ?? []
        #expect(data.map { $0["hostname"] as? String } == ["host3", "host4", "host5"])
        #expect(page.object["totalCount"] as? Int == 7)
        let even = try await t.client.get("/api/v1/devices?tags=even")
        #expect(even.array.count == 4)
        let host = try await t.client.get("/api/v1/devices?hostname=host5")
        #expect((host.array.first as? [String: Any])?["hostname"] as? String == "host5")
        let offline = try await t.client.get("/api/v1/devices?status=0&$count=true")
        #expect(offline.object["totalCount"] as? Int == 7)
        await t.stop()
    }

    @Test func validationNamesTheField() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let cases: [([String: Any], String)] = [
            ([:], "guid"), (["guid": "not-a-uuid"], "guid"),
            (["guid": "12345678-1234-4234-8234-123456789abc", "tags": "x"], "tags"),
            (["guid": "12345678-1234-4234-8234-123456789abc", "hostname": String(repeating: "h", count: 300)],
             "hostname"),
            (["guid": "12345678-1234-4234-8234-123456789abc", "deviceInfo": 5], "deviceInfo"),
        ]
        for (body, field) in cases {
            let r = try await t.client.request("POST", "/api/v1/devices", json: body)
            #expect(r.status == 400)
            let errors = r.object["errors"] as? [[String: Any]]
            #expect(errors?.first?["path"] as? String == field)
        }
        var raw = t.client
        raw.apiKey = t.apiKey
        let notJSON = try await raw.request("POST", "/api/v1/devices", headers: [])
        #expect(notJSON.status == 400)
        await t.stop()
    }

    /// B28 and B40: credentials are write-only, validated, and deleted with the device.
    @Test func credentialsAreWriteOnlyAndValidated() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "44444444-4444-4555-8666-777777777777"
        _ = try await t.client.request("POST", "/api/v1/devices", json: ["guid": guid])
        for bad in ["Short1!", "NoDigitsHere!!", "waytoolongpassword-1A!", "nospecial123A"] {
            let r = try await t.client.request("PUT", "/api/v1/devices/\(guid)/credentials", json: [
                "mps": ["username": "admin", "password": bad],
            ])
            #expect(r.status == 400, "\(bad.count) chars")
            #expect(!r.text.contains(bad), "the password is not echoed")
        }
        // A missing or empty part is named precisely.
        let empty = try await t.client.request("PUT", "/api/v1/devices/\(guid)/credentials", json: [
            "amt": ["username": "admin", "password": ""],
        ])
        #expect(empty.status == 400)
        #expect(empty.text.contains("amt.password must be a non-empty string"), "\(empty.text)")
        let noUser = try await t.client.request("PUT", "/api/v1/devices/\(guid)/credentials", json: [
            "mps": ["password": "Good-Passw0rd"],
        ])
        #expect(noUser.text.contains("mps.username must be a non-empty string"), "\(noUser.text)")
        #expect(!noUser.text.contains("Good-Passw0rd"))
        let ok = try await t.client.request("PUT", "/api/v1/devices/\(guid)/credentials", json: [
            "mps": ["username": "admin", "password": "Good-Passw0rd"],
            "amt": ["username": "admin", "password": "Amt-Secret-99"],
        ])
        #expect(ok.status == 204)
        #expect(ok.body.isEmpty)
        let device = try await t.client.get("/api/v1/devices/\(guid)")
        #expect(!device.text.contains("Good-Passw0rd") && !device.text.contains("Amt-Secret-99"))
        #expect(await t.server.secrets.verifyMPSCredentials(guid: guid, username: "admin", password: "Good-Passw0rd"))
        #expect(try await t.client.request("DELETE", "/api/v1/devices/\(guid)").status == 204)
        #expect(!(await t.server.secrets.verifyMPSCredentials(guid: guid, username: "admin", password: "Good-Passw0rd")))
        #expect(try await t.server.secrets.amtCredentials(guid: guid) == nil)
        let gone = try await t.client.request("PUT", "/api/v1/devices/\(guid)/credentials", json: [
            "mps": ["username": "admin", "password": "Good-Passw0rd"],
        ])
        #expect(gone.status == 404)
        await t.stop()
    }

    @Test func amtRoutesAnswer404ForADeviceWithoutTunnel() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let r = try await t.client.get("/api/v1/amt/power/state/55555555-4444-4555-8666-777777777777")
        #expect(r.status == 404)
        #expect(r.object["error"] as? String == "Device not found/connected. Please connect again using CIRA.")
        let d = try await t.client.request("DELETE", "/api/v1/devices/disconnect/55555555-4444-4555-8666-777777777777")
        #expect(d.status == 404)
        await t.stop()
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        for path in ["/api/v1/devices", "/api/v1/health", "/nope"] {
            let r = try await t.client.get(path)
            #expect(r.headers["X-Content-Type-Options"] == "nosniff")
            #expect(r.headers["Strict-Transport-Security"] != nil)
            #expect(r.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true)
        }
        await t.stop()
    }
}
