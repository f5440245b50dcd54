import Auth
import Foundation
import Logging
import PasswordHash
import Store
import Testing

@Suite struct AuthServiceTests {
    let database: Database
    let sink = CapturingSink()
    let auth: AuthService
    let client = ClientInfo(address: "192.0.2.50", userAgent: "test")
    let guidA = "AAAA0000-BBBB-4CCC-8DDD-EEEEFFFF0000"
    let guidB = "bbbb0000-bbbb-4ccc-8ddd-eeeeffff0000"

    init() async throws {
        self.database = try makeDatabase()
        let users = UserStore(database: self.database, hashing: HashingPool(threads: 2))
        self.auth = try AuthService(
            users: users,
            sessions: SessionStore(database: self.database),
            secret: Array(repeating: 0x42, count: 32),
            logger: Logger(label: "auth", level: .debug, sink: self.sink)
        )
        try await users.add(name: "ops", password: strongPassword)
    }

    /// Login starts a session the cookie token finds; logout ends it and tells observers.
    @Test func loginAndLogout() async throws {
        let ended = Recorder<SessionID>()
        self.auth.sessions.onRevoke { ended.append($0) }
        guard
            case .success(let first) = await self.auth.login(
                name: "OPS",
                password: strongPassword,
                client: self.client,
                now: epoch
            )
        else { Issue.record("login failed"); return }
        guard
            case .success(let second) = await self.auth.login(
                name: "ops",
                password: strongPassword,
                client: self.client,
                now: epoch
            )
        else { Issue.record("login failed"); return }
        #expect(first.token != second.token)
        let outcome = LoginOutcome.success(first)
        for text in [
            "\(outcome)", String(reflecting: outcome), "\(first)", String(reflecting: first),
        ] {
            #expect(!text.contains(first.token) && !text.contains(first.csrfToken), "\(text)")
        }
        #expect(await self.auth.session(token: first.token, now: epoch + 1)?.userName == "ops")
        #expect(await self.auth.logout(token: first.token))
        #expect(await self.auth.session(token: first.token, now: epoch + 2) == nil)
        #expect(await self.auth.session(token: second.token, now: epoch + 2) != nil)
        #expect(ended.values == [first.session.id])
        #expect(
            !self.sink.all.joined().contains(first.token)
                && !self.sink.all.joined().contains(strongPassword)
        )
    }

    /// A wrong password is .invalid and logged with name and address, never the password; a
    /// password typed into the name field is not logged either.
    @Test func failuresAreLoggedWithoutPassword() async throws {
        let wrong = "Wrong-Horse-9"
        #expect(
            await self.auth.login(name: "ops", password: wrong, client: self.client, now: epoch)
                == .invalid
        )
        #expect(
            await self.auth.login(
                name: "Secret Pass 1!",
                password: "",
                client: self.client,
                now: epoch
            ) == .invalid
        )
        let lines = self.sink.all.filter { $0.contains("login failed") }
        #expect(lines.count == 2)
        #expect(
            lines[0].contains("auth.user=ops") && lines[0].contains("client.address=192.0.2.50")
        )
        #expect(lines[1].contains("<invalid name, 14 bytes>"))
        #expect(
            !self.sink.all.joined().contains(wrong)
                && !self.sink.all.joined().contains("Secret Pass")
        )
    }

    /// After three failures the next attempt is throttled, even with the right password, until
    /// the delay passes; a success then works and resets the user.
    @Test func throttlesLogins() async throws {
        for second in 0..<3 {
            let outcome = await self.auth.login(
                name: "ops",
                password: "Wrong-\(second)!a",
                client: self.client,
                now: epoch + Double(second)
            )
            #expect(outcome == .invalid)
        }
        let refused = await self.auth.login(
            name: "ops",
            password: strongPassword,
            client: self.client,
            now: epoch + 2.5
        )
        #expect(refused == .throttled(retryAfter: .milliseconds(500)))
        let other = ClientInfo(address: "203.0.113.9")
        #expect(
            await self.auth.authorizeBearer(
                name: "ops",
                password: strongPassword,
                client: other,
                now: epoch + 2.5
            )
                == .throttled(retryAfter: .milliseconds(500))
        )
        guard
            case .success = await self.auth.login(
                name: "ops",
                password: strongPassword,
                client: other,
                now: epoch + 3
            )
        else { Issue.record("expected success after the delay"); return }
        #expect(self.sink.all.contains { $0.contains("login refused: throttled") })
    }

    /// POST /api/v1/authorize: a 60-minute token that verifies as the user, and stops working
    /// when it expires or the user's password changes.
    @Test func bearerTokens() async throws {
        let issued = Date()
        guard
            case .success(let token, let expires) = await self.auth.authorizeBearer(
                name: "ops",
                password: strongPassword,
                client: self.client,
                now: issued
            )
        else { Issue.record("authorize failed"); return }
        let now = Date()
        let outcome = BearerOutcome.success(token: token, expiresAt: expires)
        #expect(!"\(outcome)".contains(token) && !String(reflecting: outcome).contains(token))
        // An hour from the `now` given (whole seconds in the token), however long argon2 took.
        #expect(abs(expires.timeIntervalSince(issued) - 3600) < 1)
        #expect(await self.auth.verifyBearer(token, now: now)?.user.name == "ops")
        #expect(await self.auth.verifyBearer(token, now: expires) == nil)
        #expect(await self.auth.verifyBearer(token + "x", now: now) == nil)
        #expect(
            await self.auth.authorizeBearer(
                name: "ops",
                password: "nope",
                client: self.client,
                now: now
            ) == .invalid
        )
        try await self.auth.changePassword(name: "ops", password: "Second-Pass-2")
        #expect(await self.auth.verifyBearer(token, now: Date()) == nil)
        guard
            case .success(let fresh, _) = await self.auth.authorizeBearer(
                name: "ops",
                password: "Second-Pass-2",
                client: self.client,
                now: Date()
            )
        else { Issue.record("authorize failed"); return }
        #expect(await self.auth.verifyBearer(fresh, now: Date()) != nil)
        // Disabling ends it, and re-enabling does not bring it back.
        try await self.auth.setDisabled(name: "ops", true)
        #expect(await self.auth.verifyBearer(fresh, now: Date()) == nil)
        try await self.auth.setDisabled(name: "ops", false)
        #expect(await self.auth.verifyBearer(fresh, now: Date()) == nil)
        guard
            case .success(let last, _) = await self.auth.authorizeBearer(
                name: "ops",
                password: "Second-Pass-2",
                client: self.client,
                now: Date()
            )
        else { Issue.record("authorize failed"); return }
        #expect(await self.auth.verifyBearer(last, now: Date()) != nil)
        try await self.auth.removeUser(name: "ops")
        #expect(await self.auth.verifyBearer(last, now: Date()) == nil)
    }

    /// Redirection tokens last 5 minutes and work only for their own device, never as bearer.
    @Test func redirectionTokens() async throws {
        let token = try #require(
            self.auth.issueRedirectionToken(guid: self.guidA, subject: "ops", now: epoch)
        )
        #expect(
            self.auth.verifyRedirectionToken(
                token,
                guid: self.guidA.lowercased(),
                now: epoch + 299
            )?.deviceID
                == self.guidA.lowercased()
        )
        #expect(self.auth.verifyRedirectionToken(token, guid: self.guidB, now: epoch) == nil)
        #expect(self.auth.verifyRedirectionToken(token, guid: self.guidA, now: epoch + 300) == nil)
        #expect(self.auth.verifyRedirectionToken(token, guid: "not-a-guid", now: epoch) == nil)
        #expect(self.auth.issueRedirectionToken(guid: "1", subject: "ops", now: epoch) == nil)
        #expect(await self.auth.verifyBearer(token, now: epoch) == nil)
        guard
            case .success(let bearer, _) = await self.auth.authorizeBearer(
                name: "ops",
                password: strongPassword,
                client: self.client,
                now: Date()
            )
        else { Issue.record("authorize failed"); return }
        #expect(self.auth.verifyRedirectionToken(bearer, guid: self.guidA, now: Date()) == nil)
    }

    /// Disabling a user ends its sessions at once and blocks new logins.
    @Test func disablingEndsSessions() async throws {
        guard
            case .success(let created) = await self.auth.login(
                name: "ops",
                password: strongPassword,
                client: self.client,
                now: epoch
            )
        else { Issue.record("login failed"); return }
        try await self.auth.setDisabled(name: "ops", true)
        #expect(await self.auth.session(token: created.token, now: epoch + 1) == nil)
        #expect(
            await self.auth.login(
                name: "ops",
                password: strongPassword,
                client: self.client,
                now: epoch
            ) == .invalid
        )
    }

    /// Parallel guesses are counted as they start: of ten at once, only three are checked.
    @Test func parallelGuessesAreThrottled() async throws {
        let outcomes = await withTaskGroup(of: LoginOutcome.self) { group in
            for index in 0..<10 {
                group.addTask {
                    await self.auth.login(
                        name: "ops",
                        password: "Guess-\(index)!",
                        client: self.client,
                        now: epoch
                    )
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .invalid }.count == 3)
        #expect(outcomes.filter { if case .throttled = $0 { true } else { false } }.count == 7)
    }
}
