import Auth
import Foundation
import Testing

/// Attacks on the browser login, sessions and pages, each tried against a real server and
/// refused.
@Suite struct AttackTests {
    /// B36: a planted cookie is never adopted; login issues a new token; a token held from
    /// before the login does not authenticate afterwards.
    @Test func sessionFixation() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var earlier = Browser(ts)
        try await earlier.login("alice", TestServer.password)
        let before = try #require(earlier.cookie)
        let planted = "mps_session=" + String(repeating: "f1xed", count: 8) + "000"
        var victim = Browser(ts)
        let login = try await victim.login(
            "alice", TestServer.password, extraCookie: "sid=fixed0000fixed0000; \(planted); \(before)")
        #expect(login.status == 200)
        let issued = try #require(victim.cookie)
        #expect(issued != planted && issued != before)
        #expect(try await victim.rpc("session.get").status == 200)
        for stale in [planted, before, "sid=fixed0000fixed0000"] {
            var attacker = victim
            attacker.cookie = stale
            #expect(try await attacker.rpc("session.get").status == 401, "\(stale.prefix(16))")
        }
        await ts.stop()
    }

    @Test func crossSitePostsAndReplayedCookies() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        try await browser.login("alice", TestServer.password)
        let call: [String: Any] = ["jsonrpc": "2.0", "method": "devices.stats", "id": 1]
        let evil = try await browser.request("POST", "/rpc", json: call, origin: "https://evil.example")
        #expect(evil.status == 403)
        #expect((evil.object["error"] as? [String: Any])?["code"] as? Int == -32005)
        let fetchSite = try await browser.request(
            "POST", "/rpc", json: call, headers: [("Sec-Fetch-Site", "cross-site")])
        #expect(fetchSite.status == 403)
        #expect(try await browser.request("POST", "/rpc", json: call, csrf: false).status == 403)
        var forged = browser
        forged.csrf = "wrong-token"
        #expect(try await forged.request("POST", "/rpc", json: call).status == 403)
        #expect(try await browser.request("POST", "/rpc", json: call).status == 200)
        // Login CSRF: a form posted from another site is refused.
        let crossLogin = try await browser.client.request(
            "POST", "/auth/login", json: ["username": "alice", "password": TestServer.password],
            headers: [("Origin", "https://evil.example")])
        #expect(crossLogin.status == 403)
        #expect(crossLogin.headers.values("Set-Cookie").isEmpty)

        let replay = browser
        #expect(try await browser.request("POST", "/auth/logout").status == 204)
        let refused = try await replay.request("POST", "/rpc", json: call)
        #expect(refused.status == 401)
        #expect((refused.object["error"] as? [String: Any])?["code"] as? Int == -32004)
        #expect(try await replay.request("GET", "/api/v1/devices").status == 401)
        await ts.stop()
    }

    /// The failed-login page echoes the user name, escaped: no markup of the attacker's.
    @Test func loginPageEscapesTheUserName() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        let browser = Browser(ts)
        let name = "\"><script>alert(1)</script>"
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let r = try await browser.client.request(
            "POST", "/auth/login",
            headers: [("Origin", browser.origin), ("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("username=\(encoded)&password=Wrong-Pass-1".utf8))
        #expect(r.status == 401)
        #expect(!r.text.contains("<script>"))
        #expect(r.text.contains("&quot;&gt;&lt;script&gt;"))
        await ts.stop()
    }

    @Test func bruteForceIsThrottled() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        for attempt in 1...3 {
            #expect(try await browser.login("alice", "Wrong-guess-\(attempt)").status == 401)
        }
        var waits: [Int] = []
        for attempt in 4...6 {
            let r = try await browser.login("alice", "Wrong-guess-\(attempt)")
            #expect(r.status == 429)
            waits.append(Int(r.headers["Retry-After"] ?? "") ?? 0)
        }
        #expect(waits.allSatisfy { $0 >= 1 })
        // The right password does not get through while throttled, nor does a bearer login.
        #expect(try await browser.login("alice", TestServer.password).status == 429)
        var client = ts.client
        client.apiKey = nil
        let bearer = try await client.request(
            "POST", "/api/v1/authorize", json: ["username": "alice", "password": TestServer.password])
        #expect(bearer.status == 429)
        #expect(bearer.headers["Retry-After"] != nil)
        await ts.stop()
    }

    @Test func webSocketWithoutSessionOrFromAnotherOrigin() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        let anonymous = TestWebSocket.open(browser)
        #expect(await eventually { anonymous.seen.withLock { $0.status } == 401 })
        try await browser.login("alice", TestServer.password)
        let crossOrigin = TestWebSocket.open(browser, origin: "https://evil.example")
        #expect(await eventually { crossOrigin.seen.withLock { $0.status } == 403 })
        let good = TestWebSocket.open(browser)
        #expect(await eventually { good.seen.withLock { $0.status } == 101 })
        await ts.stop()
    }

    @Test func pathTraversalAgainstStaticFiles() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var client = ts.client
        client.apiKey = nil
        for path in [
            "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd",
            "/js/../../Package.swift", "/%2e%2e%2fPackage.swift", "/login/../../etc/passwd",
        ] {
            let r = try await client.request("GET", path)
            #expect(r.status == 404, "\(path) -> \(r.status)")
            #expect(!r.text.contains("root:"), "\(path)")
            #expect(!r.text.contains("PackageDescription"), "\(path)")
        }
        #expect(try await client.request("GET", "/app.js").status == 200)
        await ts.stop()
    }
}
