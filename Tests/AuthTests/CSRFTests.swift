import Auth
import Foundation
import Testing

@Suite struct CSRFTests {
    /// The session's own token verifies; anything else, including nothing, does not.
    @Test func verifiesPerSessionToken() async throws {
        let database = try makeDatabase()
        let sessions = SessionStore(database: database)
        let uid = try await insertUser(database, name: "ops")
        let a = try await sessions.create(
            userID: uid,
            client: ClientInfo(address: "::1"),
            now: epoch
        )
        let b = try await sessions.create(
            userID: uid,
            client: ClientInfo(address: "::1"),
            now: epoch
        )
        #expect(a.csrfToken.utf8.count == 43)
        #expect(CSRF.verify(session: a.session, presented: a.csrfToken))
        for wrong: String? in [
            nil, "", b.csrfToken, a.token, String(a.csrfToken.dropLast()),
            a.csrfToken + "x", String(repeating: "z", count: 100_000),
        ] {
            #expect(!CSRF.verify(session: a.session, presented: wrong))
        }
        #expect(CSRF.headerName == "X-CSRF-Token")
        #expect(["POST", "put", "Patch", "DELETE"].allSatisfy(CSRF.isStateChanging))
        #expect(!["GET", "HEAD", "OPTIONS"].contains(where: CSRF.isStateChanging))
    }

    /// Origin must match Host in host and port (scheme default ports apply).
    @Test func sameOrigin() {
        let yes: [(String, String)] = [
            ("https://mps.example", "mps.example"), ("https://mps.example:443", "mps.example"),
            ("https://MPS.example:8443", "mps.EXAMPLE:8443"),
            ("http://127.0.0.1:3000", "127.0.0.1:3000"),
            ("https://[::1]:3000", "[::1]:3000"), ("http://mps.example", "mps.example:80"),
        ]
        for (origin, host) in yes {
            #expect(OriginPolicy.isSameOrigin(origin: origin, host: host), "\(origin)")
        }
        let no: [(String, String)] = [
            ("https://evil.example", "mps.example"), ("https://mps.example:8443", "mps.example"),
            ("http://mps.example", "mps.example:443"), ("null", "mps.example"),
            ("https://mps.example.evil.example", "mps.example"),
            ("https://user@mps.example", "mps.example"),
            ("ftp://mps.example", "mps.example"), ("https://mps.example/path", "mps.example"),
            ("https://", "mps.example"), ("https://mps.example:99999", "mps.example:99999"),
            ("https://localhost:3000", "127.0.0.1:3000"), ("https://mps.example", ""),
        ]
        for (origin, host) in no {
            #expect(!OriginPolicy.isSameOrigin(origin: origin, host: host), "\(origin)")
        }
    }

    /// Sec-Fetch-Site decides when present; else Origin; neither is allowed (token still needed).
    @Test func browserHeaderRule() {
        #expect(OriginPolicy.allows(origin: nil, secFetchSite: "same-origin", host: "h"))
        #expect(OriginPolicy.allows(origin: nil, secFetchSite: "none", host: "h"))
        #expect(!OriginPolicy.allows(origin: "https://h", secFetchSite: "cross-site", host: "h"))
        #expect(!OriginPolicy.allows(origin: nil, secFetchSite: "same-site", host: "h"))
        #expect(OriginPolicy.allows(origin: "https://h", secFetchSite: nil, host: "h"))
        #expect(!OriginPolicy.allows(origin: "https://x", secFetchSite: nil, host: "h"))
        #expect(!OriginPolicy.allows(origin: "https://x", secFetchSite: "same-origin", host: "h"))
        #expect(OriginPolicy.allows(origin: nil, secFetchSite: nil, host: "h"))
    }

    /// The cookie is HttpOnly and SameSite=Strict, Secure only over HTTPS; parsing finds every
    /// well-formed value of our name and nothing else.
    @Test func sessionCookie() {
        let token = String(repeating: "Ab", count: 21) + "c"
        #expect(
            SessionCookie.setCookie(token: token, expiresAt: epoch + 3600, now: epoch, secure: true)
                == "mps_session=\(token); Max-Age=3600; Path=/; HttpOnly; SameSite=Strict; Secure"
        )
        #expect(
            SessionCookie.setCookie(
                token: token,
                expiresAt: epoch + 10.5,
                now: epoch,
                secure: false
            )
                == "mps_session=\(token); Max-Age=10; Path=/; HttpOnly; SameSite=Strict"
        )
        #expect(
            SessionCookie.clearCookie(secure: true)
                == "mps_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure"
        )
        let other = String(repeating: "x", count: 43)
        #expect(SessionCookie.tokens(fromCookieHeader: "a=1; mps_session=\(token); b=2") == [token])
        #expect(
            SessionCookie.tokens(fromCookieHeader: "mps_session=\(other);mps_session=\(token)") == [
                other, token,
            ]
        )
        #expect(SessionCookie.tokens(fromCookieHeader: "mps_session=fixed0000fixed0000").isEmpty)
        #expect(SessionCookie.tokens(fromCookieHeader: "xmps_session=\(token)").isEmpty)
        #expect(SessionCookie.tokens(fromCookieHeader: nil).isEmpty)
        #expect(
            SessionCookie.tokens(fromCookieHeader: String(repeating: "a=b; ", count: 5000)).isEmpty
        )
    }
}
