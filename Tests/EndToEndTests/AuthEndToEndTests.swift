import Auth
import Foundation
import HTTP
import Config
import MPSServer
import Store
import Synchronization
import Testing

/// A browser's view of the server: no API key, a session cookie once logged in, same-origin
/// headers on every request, the CSRF token from login.
struct Browser {
    var client: TestHTTPClient
    var cookie: String?
    var csrf: String?
    var origin: String { "https://localhost:\(self.client.port)" }

    init(_ server: TestServer) {
        var client = server.client
        client.apiKey = nil
        self.client = client
    }

    /// `POST /auth/login` with JSON; keeps the new cookie and CSRF token on success.
    @discardableResult
    mutating func login(_ user: String, _ password: String, extraCookie: String? = nil) async throws
        -> TestHTTPClient.Response
    {
        var headers = [("Origin", self.origin)]
        if let extraCookie { headers.append(("Cookie", extraCookie)) }
        let r = try await self.client.request(
            "POST", "/auth/login", json: ["username": user, "password": password], headers: headers)
        if r.status == 200 {
            self.cookie = try #require(Self.sessionCookie(r))
            self.csrf = r.object["csrfToken"] as? String
        }
        return r
    }

    /// `name=value` of the `mps_session` Set-Cookie.
    static func sessionCookie(_ r: TestHTTPClient.Response) -> String? {
        r.headers.values("Set-Cookie").first { $0.hasPrefix(SessionCookie.name + "=") }?
            .split(separator: ";").first.map(String.init)
    }

    func request(_ method: String, _ path: String, json: Any? = nil, csrf: Bool = true,
                 origin: String? = nil, headers extra: [(String, String)] = []) async throws
        -> TestHTTPClient.Response
    {
        var headers = [("Origin", origin ?? self.origin)] + extra
        if let cookie { headers.append(("Cookie", cookie)) }
        if csrf, let token = self.csrf { headers.append((CSRF.headerName, token)) }
        return try await self.client.request(method, path, json: json, headers: headers)
    }

    /// One JSON-RPC call over `POST /rpc`; returns the HTTP response.
    func rpc(_ method: String, _ params: [String: Any] = [:], id: Int = 1) async throws -> TestHTTPClient.Response {
        try await self.request("POST", "/rpc", json: ["jsonrpc": "2.0", "method": method, "params": params, "id": id])
    }
}

/// A clock that only moves when told, for token lifetimes and login delays.
final class TestClock: Sendable {
    private let current = Mutex(Date())
    func now() -> Date { self.current.withLock { $0 } }
    func advance(seconds: Double) { self.current.withLock { $0 += seconds } }
}

extension TestServer {
    static let password = "Correct-Horse-9"

    /// A server with the UI files and templates, and the web user `alice`.
    static func startWithUser(
        clock: TestClock = TestClock(), configure: (inout ServerSettings) -> Void = { _ in }
    ) async throws -> TestServer {
        let server = try await TestServer.start { settings in
            settings.now = { clock.now() }
            settings.publicDirectory = Self.repositoryRoot.appendingPathComponent("Public")
            settings.templatesDirectory = Self.repositoryRoot.appendingPathComponent("templates")
            configure(&settings)
        }
        try await server.server.auth.users.add(name: "alice", password: Self.password)
        return server
    }
}

@Suite struct AuthEndToEndTests {
    @Test func loginSessionDevicesLogout() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        try await ts.registerDevice("11111111-2222-4333-8444-555555555555")
        var browser = Browser(ts)
        let login = try await browser.login("alice", TestServer.password)
        #expect(login.status == 200)
        let setCookie = try #require(login.headers.values("Set-Cookie").first)
        #expect(setCookie.contains("HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        #expect(setCookie.contains("Secure"))
        #expect(login.object["user"] as? String == "alice")
        #expect(login.headers["Strict-Transport-Security"] != nil)

        let session = try await browser.rpc("session.get")
        #expect(session.status == 200)
        let result = session.object["result"] as? [String: Any]
        #expect(result?["user"] as? String == "alice")
        #expect(result?["csrfToken"] as? String == browser.csrf)

        let list = try await browser.rpc("devices.list")
        let data = (list.object["result"] as? [String: Any])
        #expect(data?["totalCount"] as? Int == 1)
        #expect(((data?["data"] as? [[String: Any]])?.first?["guid"]) as? String
            == "11111111-2222-4333-8444-555555555555")

        // A session works on the REST routes too.
        #expect(try await browser.request("GET", "/api/v1/devices").status == 200)

        let logout = try await browser.request("POST", "/auth/logout")
        #expect(logout.status == 204)
        #expect(logout.headers["Set-Cookie"]?.contains("Max-Age=0") == true)
        #expect(try await browser.rpc("session.get").status == 401)
        #expect(try await browser.request("GET", "/api/v1/devices").status == 401)
        await ts.stop()
    }

    @Test func formLoginRedirectsAndPagesSendUsersToLogin() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        let root = try await browser.request("GET", "/")
        #expect(root.status == 302)
        #expect(root.headers["Location"] == "/login")
        let page = try await browser.request("GET", "/login")
        #expect(page.status == 200)
        #expect(page.text.contains("action=\"/auth/login\""))
        #expect(page.headers["Content-Security-Policy"]?.contains("script-src 'self'") == true)
        #expect(page.headers["X-Content-Type-Options"] == "nosniff")

        let form = try await browser.client.request(
            "POST", "/auth/login",
            headers: [("Origin", browser.origin), ("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("username=alice&password=\(TestServer.password)".utf8))
        #expect(form.status == 303)
        #expect(form.headers["Location"] == "/")
        browser.cookie = Browser.sessionCookie(form)
        let home = try await browser.request("GET", "/")
        #expect(home.status == 200)
        #expect(home.text.lowercased().contains("<html"))

        let missing = try await browser.request("GET", "/no-such-page", headers: [("Accept", "text/html")])
        #expect(missing.status == 404)
        #expect(missing.text.contains("404 Not Found"))
        #expect(missing.headers["Content-Type"]?.hasPrefix("text/html") == true)

        // An ended session sends the UI back to the login page with a message.
        browser.cookie = "mps_session=" + String(repeating: "A", count: 43)
        let expired = try await browser.request("GET", "/")
        #expect(expired.headers["Location"] == "/login?expired=1")
        #expect(try await browser.request("GET", "/login?expired=1").text.contains("session has ended"))
        await ts.stop()
    }

    @Test func bearerTokensAndRedirectionTokens() async throws {
        let clock = TestClock()
        // The lifetime comes from the operator's setting, as `mps` reads it (minutes).
        let configured = try ServerSettings(
            configuration: MPSConfiguration.load(arguments: [], environment: ["MPS_JWT_EXPIRATION": "1"]),
            environment: ["MPS_MIGRATIONS_DIR": TestServer.repositoryRoot.appendingPathComponent("migrations").path])
        #expect(configured.auth.bearerLifetime == .seconds(60))
        let ts = try await TestServer.startWithUser(clock: clock) { $0.auth = configured.auth }
        defer { ts.cleanup() }
        let a = "aaaaaaaa-2222-4333-8444-555555555555"
        let b = "bbbbbbbb-2222-4333-8444-555555555555"
        try await ts.registerDevice(a)
        var client = ts.client
        client.apiKey = nil
        #expect(try await client.request("GET", "/api/v1/devices").status == 401)
        let wrong = try await client.request(
            "POST", "/api/v1/authorize", json: ["username": "alice", "password": "nope"])
        #expect(wrong.status == 401)
        #expect(wrong.object["message"] as? String == "Incorrect Username and/or Password!")
        let missing = try await client.request("POST", "/api/v1/authorize", json: ["password": "x"])
        #expect(missing.status == 400)
        #expect((missing.object["errors"] as? [[String: Any]])?.map { $0["msg"] as? String }
            == ["Invalid value", "User name is required"])

        let anonymous = client
        func bearer() async throws -> [(String, String)] {
            let issued = try await anonymous.request(
                "POST", "/api/v1/authorize", json: ["username": "ALICE", "password": TestServer.password])
            return [("Authorization", "Bearer \(try #require(issued.object["token"] as? String))")]
        }
        #expect(try await client.request("GET", "/api/v1/devices", headers: try await bearer()).status == 200)

        let redirect = try await client.request(
            "GET", "/api/v1/authorize/redirection/\(a)", headers: try await bearer())
        let relayToken = try #require(redirect.object["token"] as? String)
        #expect(ts.server.auth.verifyRedirectionToken(relayToken, guid: a, now: clock.now()) != nil)
        #expect(ts.server.auth.verifyRedirectionToken(relayToken, guid: b, now: clock.now()) == nil)
        #expect(try await client.request(
            "GET", "/api/v1/devices", headers: [("Authorization", "Bearer \(relayToken)")]).status == 401)
        let unknown = try await client.request(
            "GET", "/api/v1/authorize/redirection/\(b)", headers: try await bearer())
        #expect(unknown.status == 404)
        #expect(unknown.body.isEmpty)

        // B34: past its configured lifetime the token is refused everywhere.
        let expired = try await bearer()
        clock.advance(seconds: 59)
        #expect(try await client.request("GET", "/api/v1/devices", headers: expired).status == 200)
        clock.advance(seconds: 2)
        #expect(try await client.request("GET", "/api/v1/devices", headers: expired).status == 401)
        #expect(try await client.request("GET", "/api/v1/authorize/redirection/\(a)", headers: expired).status == 401)
        #expect(try await client.request(
            "POST", "/rpc", json: ["jsonrpc": "2.0", "method": "devices.stats", "id": 1], headers: expired
        ).status == 401)
        await ts.stop()
    }

    @Test func userCommandsReadThePasswordFromAPipe() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        func run(_ args: [String], input: String?) async throws -> Int32 {
            let pipe = Pipe()
            if let input { pipe.fileHandleForWriting.write(Data(input.utf8)) }
            try pipe.fileHandleForWriting.close()
            defer { try? pipe.fileHandleForReading.close() }
            return try await CommandLineTool.user(
                args, settings: ts.server.settings,
                passwordSource: .fileDescriptor(pipe.fileHandleForReading.fileDescriptor))
        }
        #expect(try await run(["add", "bob"], input: "weak\n") == 1)
        #expect(try await run(["add", "bob"], input: "Bob-Str0ng-pass\n") == 0)
        #expect(try await run(["add", "bob"], input: "Bob-Str0ng-pass\n") == 1)  // duplicate
        var browser = Browser(ts)
        #expect(try await browser.login("bob", "Bob-Str0ng-pass").status == 200)

        #expect(try await run(["passwd", "bob"], input: "Bob-N3w-pass!!\n") == 0)
        var second = Browser(ts)
        #expect(try await second.login("bob", "Bob-Str0ng-pass").status == 401)
        #expect(try await second.login("bob", "Bob-N3w-pass!!").status == 200)

        #expect(try await run(["remove", "bob"], input: nil) == 0)
        var third = Browser(ts)
        #expect(try await third.login("bob", "Bob-N3w-pass!!").status == 401)
        #expect(try await run(["remove", "bob"], input: nil) == 1)
        await ts.stop()
    }
}
