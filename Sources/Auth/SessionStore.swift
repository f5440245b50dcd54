import Crypto
public import Foundation
import SQLite
public import Store
import Synchronization

/// Browser sessions in the `web_sessions` table, keyed by SHA-256 of the cookie token.
///
/// Tokens are 32 random bytes in base64url; only their hash is stored, so a copy of the
/// database does not let anyone log in. Validation is served from an in-memory table that is
/// filled from the database on a miss and kept in step by every change made through this
/// object, so a revocation takes effect at once in this process. Changes made by another process
/// (for example `mps user remove`) are seen at the next write of `last_seen_at`, at most
/// `touchInterval` later; so are changes made through another `SessionStore` instance, so a
/// server should share one instance. It never adopts a token it did not issue (field fault B36).
public final class SessionStore: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// A session ends after this long without a request.
        public var idleTimeout: Duration = .seconds(30 * 60)
        /// A session ends this long after login, whatever its activity.
        public var absoluteTimeout: Duration = .seconds(8 * 3600)
        /// `last_seen_at` is written at most this often per session.
        public var touchInterval: Duration = .seconds(60)
        /// Creating one more ends the user's oldest sessions.
        public var maximumSessionsPerUser = 20
        /// The most sessions held in memory; older ones are reloaded from the database on use.
        public var cacheLimit = 10_000

        public init() {}
    }

    /// A registered revocation observer; pass it to `removeObserver(_:)`.
    public struct Observer: Sendable, Hashable {
        let id: Int
    }

    static let tokenLength = 43

    let database: Database
    public let configuration: Configuration
    let state = Mutex<State>(State())

    struct Entry {
        var session: Session
        var hash: [UInt8]
        var lastActivity: Date
        var lastWritten: Date
    }

    struct State {
        var byHash: [[UInt8]: Entry] = [:]
        var observers: [Int: @Sendable (SessionID) -> Void] = [:]
        var nextObserver = 0
    }

    public init(database: Database, configuration: Configuration = Configuration()) {
        self.database = database
        self.configuration = configuration
    }

    // MARK: - Observers

    /// Calls `handler` with the id of every session that ends in this process: logout,
    /// `revokeAll`, expiry found by `validate` or `purgeExpired`, or the per-user cap. It runs
    /// after the change is stored, on the caller's task, and must not block.
    @discardableResult
    public func onRevoke(_ handler: @escaping @Sendable (SessionID) -> Void) -> Observer {
        self.state.withLock { state in
            state.nextObserver += 1
            state.observers[state.nextObserver] = handler
            return Observer(id: state.nextObserver)
        }
    }

    public func removeObserver(_ observer: Observer) {
        _ = self.state.withLock { $0.observers.removeValue(forKey: observer.id) }
    }

    func notify(_ ids: [SessionID]) {
        guard !ids.isEmpty else { return }
        let handlers = self.state.withLock { Array($0.observers.values) }
        for id in ids { for handler in handlers { handler(id) } }
    }

    // MARK: - Lifecycle

    /// Starts a new session for `userID` with a fresh token; nothing a client sent is reused.
    /// - Throws: `AuthError.userNotFound` for an unknown or disabled user, `.storage`.
    public func create(userID: Int64, client: ClientInfo, now: Date) async throws(AuthError)
        -> NewSession
    {
        let token = Base64URL.encode(SecureRandom.bytes(32))
        let hash = Hash.sha256(Array(token.utf8))
        let id = SessionID(rawValue: SecureRandom.hexToken(bytes: 16))
        let csrf = CSRF.newToken()
        let absolute = now.addingTimeInterval(self.configuration.absoluteTimeout.timeInterval)
        let address = ClientInfo.sanitized(client.address, limit: 64)
        let agent = ClientInfo.sanitized(client.userAgent)
        let cap = max(1, self.configuration.maximumSessionsPerUser)
        let result: (Session, [SessionID])?
        do {
            result = try await self.database.write { connection in
                let user = try connection.queryFirst(
                    "SELECT name, disabled FROM web_users WHERE id = ?",
                    [.integer(userID)]
                ) { row in (try row.requireString(0, "web_users.name"), row.int64(1) ?? 1) }
                guard let user, user.1 == 0 else { return nil }
                try connection.run(
                    """
                    INSERT INTO web_sessions (token_hash, id, user_id, created_at, last_seen_at,
                        expires_at, csrf_token, user_agent, client_address)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .blob(hash), .text(id.rawValue), .integer(userID),
                        .text(Timestamp.format(now)),
                        .text(Timestamp.format(now)), .text(Timestamp.format(absolute)),
                        .text(csrf),
                        SQLiteValue(agent), SQLiteValue(address),
                    ]
                )
                let excess = try connection.query(
                    """
                    SELECT token_hash, id FROM web_sessions WHERE user_id = ?
                    ORDER BY created_at DESC, id LIMIT -1 OFFSET ?
                    """,
                    [.integer(userID), .integer(Int64(cap))]
                ) { row in (row.blob(0) ?? [], SessionID(rawValue: row.string(1) ?? "")) }
                for (oldHash, _) in excess {
                    try connection.run(
                        "DELETE FROM web_sessions WHERE token_hash = ?",
                        [.blob(oldHash)]
                    )
                }
                let session = Session(
                    id: id,
                    userID: userID,
                    userName: user.0,
                    createdAt: now,
                    lastSeenAt: now,
                    absoluteExpiresAt: absolute,
                    idleExpiresAt: now.addingTimeInterval(
                        self.configuration.idleTimeout.timeInterval
                    ),
                    csrfToken: csrf,
                    clientAddress: address,
                    userAgent: agent
                )
                let entry = Entry(session: session, hash: hash, lastActivity: now, lastWritten: now)
                self.state.withLock { state in
                    for (oldHash, _) in excess { state.byHash[oldHash] = nil }
                    self.insert(entry, into: &state)
                }
                return (session, excess.map(\.1))
            }
        } catch {
            throw AuthError.wrap(error)
        }
        guard let (session, evicted) = result else { throw AuthError.userNotFound }
        self.notify(evicted)
        return NewSession(token: token, csrfToken: csrf, expiresAt: absolute, session: session)
    }

    /// The session for a presented cookie token, or nil when it is malformed, unknown, revoked,
    /// idle too long, past its absolute limit, or its user is disabled. Records the activity
    /// and writes `last_seen_at` at most once per `touchInterval`.
    public func validate(token: String, now: Date) async -> Session? {
        guard let hash = Self.hash(presented: token) else { return nil }
        var entry = self.state.withLock { $0.byHash[hash] }
        if entry == nil { entry = try? await self.load(hash: hash) }
        guard let found = entry, constantTimeEqual(found.hash, hash) else { return nil }
        guard self.isLive(found, now: now) else {
            _ = try? await self.end(hashes: [hash])
            return nil
        }
        let interval = self.configuration.touchInterval.timeInterval
        let (current, touch) = self.state.withLock { state -> (Entry?, Bool) in
            guard var live = state.byHash[hash] else { return (nil, false) }
            if now > live.lastActivity { live.lastActivity = now }
            let touch = now.timeIntervalSince(live.lastWritten) >= interval
            // We claim the write before making it, so concurrent requests do not all write.
            if touch { live.lastWritten = now }
            state.byHash[hash] = live
            return (live, touch)
        }
        guard let current else { return nil }
        if touch, (try? await self.touch(hash: hash, now: now)) == false {
            return nil
        }
        return self.session(current)
    }

    /// Ends the session of `token` everywhere in this process. False when there was none.
    @discardableResult
    public func revoke(token: String) async throws(AuthError) -> Bool {
        guard let hash = Self.hash(presented: token) else { return false }
        return try await !self.end(hashes: [hash]).isEmpty
    }

    /// Ends the session with this public id (for an operator ending someone's session).
    @discardableResult
    public func revoke(id: SessionID) async throws(AuthError) -> Bool {
        let hashes: [[UInt8]]
        do {
            hashes = try await self.database.read { connection in
                try connection.query(
                    "SELECT token_hash FROM web_sessions WHERE id = ?",
                    [.text(id.rawValue)]
                ) {
                    $0.blob(0) ?? []
                }
            }
        } catch {
            throw AuthError.wrap(error)
        }
        let cached = self.state.withLock {
            $0.byHash.values.filter { $0.session.id == id }.map(\.hash)
        }
        return try await !self.end(hashes: hashes + cached).isEmpty
    }

    /// Ends every session of `userID` (after a password change, disable or removal).
    @discardableResult
    public func revokeAll(userID: Int64) async throws(AuthError) -> Int {
        let cached = self.state.withLock {
            $0.byHash.values.filter { $0.session.userID == userID }.map(\.hash)
        }
        let stored: [[UInt8]]
        do {
            stored = try await self.database.read { connection in
                try connection.query(
                    "SELECT token_hash FROM web_sessions WHERE user_id = ?",
                    [.integer(userID)]
                ) { $0.blob(0) ?? [] }
            }
        } catch {
            throw AuthError.wrap(error)
        }
        return try await self.end(hashes: cached + stored, alsoUser: userID).count
    }

    /// Deletes every session past either limit and returns how many ended. Call it every few
    /// minutes; observers hear of each one, so the WebSockets of idle sessions close too.
    @discardableResult
    public func purgeExpired(now: Date) async throws(AuthError) -> Int {
        let memoryExpired = self.state.withLock { state in
            state.byHash.values.filter { !self.isLive($0, now: now) }.map(\.hash)
        }
        // The stored last_seen_at may lag the real activity by up to one touch interval.
        let idleCutoff = now.addingTimeInterval(
            -(self.configuration.idleTimeout.timeInterval
                + self.configuration.touchInterval.timeInterval)
        )
        let stored: [[UInt8]]
        do {
            stored = try await self.database.read { connection in
                try connection.query(
                    "SELECT token_hash FROM web_sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                    [.text(Timestamp.format(now)), .text(Timestamp.format(idleCutoff))]
                ) { $0.blob(0) ?? [] }
            }
        } catch {
            throw AuthError.wrap(error)
        }
        let liveInMemory = self.state.withLock { state in
            Set(state.byHash.values.filter { self.isLive($0, now: now) }.map(\.hash))
        }
        return try await self.end(
            hashes: memoryExpired + stored.filter { !liveInMemory.contains($0) }
        ).count
    }
}
