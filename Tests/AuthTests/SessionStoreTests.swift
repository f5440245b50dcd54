import Auth
import Crypto
import Foundation
import Store
import Testing

@Suite struct SessionStoreTests {
    let database: Database
    let sessions: SessionStore
    let client = ClientInfo(address: "192.0.2.7", userAgent: "Mozilla/5.0 test")

    init() throws {
        self.database = try makeDatabase()
        self.sessions = SessionStore(database: self.database)
    }

    /// A new session validates with its token; the token is 43 base64url characters and each
    /// login gets a different one.
    @Test func createAndValidate() async throws {
        let uid = try await insertUser(self.database, name: "ops")
        let a = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        let b = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        #expect(a.token.utf8.count == 43 && a.token.utf8.allSatisfy { $0 < 0x80 })
        #expect(a.token != b.token && a.csrfToken != b.csrfToken && a.session.id != b.session.id)
        #expect(a.expiresAt == epoch.addingTimeInterval(8 * 3600))
        let session = try #require(
            await self.sessions.validate(token: a.token, now: epoch.addingTimeInterval(5))
        )
        #expect(
            session.userID == uid && session.userName == "ops" && session.csrfToken == a.csrfToken
        )
        #expect(session.clientAddress == "192.0.2.7" && session.userAgent == "Mozilla/5.0 test")
        #expect(
            !"\(a)".contains(a.token) && !"\(a)".contains(a.csrfToken)
                && !"\(session)".contains(a.csrfToken)
        )
        // Another store on the same database (a restart) loads it from the table.
        let fresh = SessionStore(database: self.database)
        #expect(
            await fresh.validate(token: b.token, now: epoch.addingTimeInterval(5))?.id
                == b.session.id
        )
    }

    /// B36: a token the server never issued (planted or guessed) is rejected, whatever its form.
    @Test func rejectsTokensNeverIssued() async throws {
        let uid = try await insertUser(self.database, name: "ops")
        let real = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        var flipped = Array(real.token.utf8)
        flipped[42] = flipped[42] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let planted = [
            "fixed0000fixed0000", String(repeating: "A", count: 43),
            String(decoding: flipped, as: UTF8.self),
            "", real.token + "A", String(real.token.dropLast()),
            String(repeating: "x", count: 65_536),
            "é" + String(real.token.dropFirst()), real.session.id.rawValue,
        ]
        for token in planted {
            #expect(await self.sessions.validate(token: token, now: epoch) == nil)
        }
        #expect(await self.sessions.validate(token: real.token, now: epoch) != nil)
    }

    /// The table holds only SHA-256 of the token: no column contains the token's text or bytes.
    @Test func neverStoresRawToken() async throws {
        let uid = try await insertUser(self.database, name: "ops")
        let created = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        let columns = try await self.database.read { db in
            try db.query("SELECT * FROM web_sessions") { row in
                (0..<row.columnCount).map { row.value($0) }
            }
        }
        #expect(columns.count == 1)
        let tokenBytes = Array(created.token.utf8)
        let decoded = try #require(Base64URL.decode(created.token))
        for value in columns[0] {
            switch value {
            case .text(let text): #expect(!text.contains(created.token))
            case .blob(let bytes):
                #expect(bytes != tokenBytes && bytes != decoded)
                #expect(bytes == Hash.sha256(tokenBytes))
            default: break
            }
        }
    }

    /// Idle timeout: 30 min without a request ends it; requests keep it alive until then.
    @Test func idleTimeout() async throws {
        let uid = try await insertUser(self.database, name: "ops")
        let created = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        var now = epoch
        for _ in 0..<5 {
            now += 29 * 60
            #expect(await self.sessions.validate(token: created.token, now: now) != nil)
        }
        now += 30 * 60
        #expect(await self.sessions.validate(token: created.token, now: now) == nil)
        // It stays ended even if the clock were to go back.
        #expect(await self.sessions.validate(token: created.token, now: epoch) == nil)
        #expect(try await self.rowCount() == 0)
    }

    /// Absolute timeout: 8 h after login it ends even when used every minute; both limits are
    /// configurable.
    @Test func absoluteTimeout() async throws {
        var configuration = SessionStore.Configuration()
        configuration.idleTimeout = .seconds(120)
        configuration.absoluteTimeout = .seconds(600)
        let store = SessionStore(database: self.database, configuration: configuration)
        let uid = try await insertUser(self.database, name: "ops")
        let created = try await store.create(userID: uid, client: self.client, now: epoch)
        for minute in 1..<10 {
            #expect(
                await store.validate(token: created.token, now: epoch + Double(minute) * 60) != nil
            )
        }
        #expect(await store.validate(token: created.token, now: epoch + 599.9) != nil)
        #expect(await store.validate(token: created.token, now: epoch + 600) == nil)
        let idle = try await store.create(userID: uid, client: self.client, now: epoch)
        #expect(await store.validate(token: idle.token, now: epoch + 119.9) != nil)
        #expect(await store.validate(token: idle.token, now: epoch + 239.8) != nil)
        #expect(await store.validate(token: idle.token, now: epoch + 359.8) == nil)
    }

    /// last_seen_at is written at most once a minute, not on every request.
    @Test func touchesAtMostOncePerMinute() async throws {
        let uid = try await insertUser(self.database, name: "ops")
        let created = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        for second in stride(from: 1.0, to: 60, by: 7) {
            _ = await self.sessions.validate(token: created.token, now: epoch + second)
        }
        #expect(try await self.lastSeen() == Timestamp.format(epoch))
        _ = await self.sessions.validate(token: created.token, now: epoch + 60)
        #expect(try await self.lastSeen() == Timestamp.format(epoch + 60))
        _ = await self.sessions.validate(token: created.token, now: epoch + 90)
        #expect(try await self.lastSeen() == Timestamp.format(epoch + 60))
        // The in-memory view still reports the latest request.
        let session = try #require(
            await self.sessions.validate(token: created.token, now: epoch + 100)
        )
        #expect(session.lastSeenAt == epoch + 100 && session.idleExpiresAt == epoch + 100 + 1800)
    }

    /// revoke ends a session at once; revokeAll ends every session of a user; observers hear
    /// each id once.
    @Test func revocation() async throws {
        let ended = Recorder<SessionID>()
        let observer = self.sessions.onRevoke { ended.append($0) }
        let ops = try await insertUser(self.database, name: "ops")
        let other = try await insertUser(self.database, name: "other")
        let a = try await self.sessions.create(userID: ops, client: self.client, now: epoch)
        let b = try await self.sessions.create(userID: ops, client: self.client, now: epoch)
        let c = try await self.sessions.create(userID: other, client: self.client, now: epoch)
        #expect(await self.sessions.validate(token: a.token, now: epoch) != nil)
        #expect(try await self.sessions.revoke(token: a.token))
        #expect(await self.sessions.validate(token: a.token, now: epoch) == nil)
        #expect(try await !self.sessions.revoke(token: a.token))
        #expect(ended.values == [a.session.id])
        #expect(try await self.sessions.revokeAll(userID: ops) == 1)
        #expect(await self.sessions.validate(token: b.token, now: epoch) == nil)
        #expect(await self.sessions.validate(token: c.token, now: epoch) != nil)
        #expect(ended.values == [a.session.id, b.session.id])
        #expect(try await self.sessions.revoke(id: c.session.id))
        #expect(await self.sessions.validate(token: c.token, now: epoch) == nil)
        self.sessions.removeObserver(observer)
        let d = try await self.sessions.create(userID: other, client: self.client, now: epoch)
        try await self.sessions.revoke(token: d.token)
        #expect(ended.values == [a.session.id, b.session.id, c.session.id])
        #expect(try await self.rowCount() == 0)
    }

    /// Once revoke returns, no request can use the session, even with validations in flight.
    @Test func revocationWinsOverConcurrentUse() async throws {
        let uid = try await insertUser(self.database, name: "ops")
        for round in 0..<5 {
            let created = try await self.sessions.create(
                userID: uid,
                client: self.client,
                now: epoch + Double(round)
            )
            let cold = SessionStore(database: self.database)
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let store = index % 2 == 0 ? self.sessions : cold
                        _ = await store.validate(token: created.token, now: epoch + 70)
                    }
                }
                group.addTask { _ = try? await self.sessions.revoke(token: created.token) }
            }
            #expect(await self.sessions.validate(token: created.token, now: epoch + 71) == nil)
            // A second store stands for another process: it learns at its next touch.
            #expect(await cold.validate(token: created.token, now: epoch + 131) == nil)
        }
    }

    /// A user removed or disabled by another process loses the session at the next touch.
    @Test func seesChangesFromAnotherProcess() async throws {
        let ended = Recorder<SessionID>()
        self.sessions.onRevoke { ended.append($0) }
        let uid = try await insertUser(self.database, name: "ops")
        let created = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        #expect(await self.sessions.validate(token: created.token, now: epoch + 1) != nil)
        _ = try await self.database.write { db in try db.run("UPDATE web_users SET disabled = 1") }
        #expect(await self.sessions.validate(token: created.token, now: epoch + 61) == nil)
        #expect(ended.values == [created.session.id])
        // A disabled user cannot start one either, and a fresh store will not load one.
        await #expect(throws: AuthError.userNotFound) {
            try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        }
    }

    /// Each user keeps at most the configured number of sessions; the oldest end first.
    @Test func capsSessionsPerUser() async throws {
        var configuration = SessionStore.Configuration()
        configuration.maximumSessionsPerUser = 2
        let store = SessionStore(database: self.database, configuration: configuration)
        let uid = try await insertUser(self.database, name: "ops")
        let first = try await store.create(userID: uid, client: self.client, now: epoch)
        let second = try await store.create(userID: uid, client: self.client, now: epoch + 1)
        let third = try await store.create(userID: uid, client: self.client, now: epoch + 2)
        #expect(await store.validate(token: first.token, now: epoch + 3) == nil)
        #expect(await store.validate(token: second.token, now: epoch + 3) != nil)
        #expect(await store.validate(token: third.token, now: epoch + 3) != nil)
        #expect(try await self.rowCount() == 2)
    }

    /// purgeExpired deletes idle and past-limit sessions, keeps live ones and notifies.
    @Test func purgesExpired() async throws {
        let ended = Recorder<SessionID>()
        self.sessions.onRevoke { ended.append($0) }
        let uid = try await insertUser(self.database, name: "ops")
        let stale = try await self.sessions.create(userID: uid, client: self.client, now: epoch)
        let live = try await self.sessions.create(
            userID: uid,
            client: self.client,
            now: epoch + 1500
        )
        // A row loaded by no one yet (as after a restart) that is long past its limit.
        let restarted = SessionStore(database: self.database)
        #expect(try await restarted.purgeExpired(now: epoch + 1000) == 0)
        #expect(try await self.sessions.purgeExpired(now: epoch + 1801) == 1)
        #expect(ended.values == [stale.session.id])
        #expect(await self.sessions.validate(token: live.token, now: epoch + 1802) != nil)
        #expect(try await restarted.purgeExpired(now: epoch + 9 * 3600) == 1)
        #expect(try await self.rowCount() == 0)
    }

    /// Unknown users cannot get a session.
    @Test func createNeedsUser() async throws {
        await #expect(throws: AuthError.userNotFound) {
            try await self.sessions.create(userID: 42, client: self.client, now: epoch)
        }
    }

    private func rowCount() async throws -> Int {
        try await self.database.read { db in
            try db.queryFirst("SELECT count(*) FROM web_sessions") { $0.int(0) } ?? 0
        }
            ?? 0
    }

    private func lastSeen() async throws -> String? {
        try await self.database.read { db in
            try db.queryFirst("SELECT last_seen_at FROM web_sessions") { $0.string(0) } ?? nil
        }
    }
}
