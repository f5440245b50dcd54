import Crypto
import Foundation
import SQLite
import Store

// The cache and database mechanics behind `SessionStore`'s public operations.
extension SessionStore {
    func isLive(_ entry: Entry, now: Date) -> Bool {
        now < entry.session.absoluteExpiresAt
            && now
                < entry.lastActivity.addingTimeInterval(self.configuration.idleTimeout.timeInterval)
    }

    func session(_ entry: Entry) -> Session {
        let s = entry.session
        return Session(
            id: s.id,
            userID: s.userID,
            userName: s.userName,
            createdAt: s.createdAt,
            lastSeenAt: entry.lastActivity,
            absoluteExpiresAt: s.absoluteExpiresAt,
            idleExpiresAt: entry.lastActivity.addingTimeInterval(
                self.configuration.idleTimeout.timeInterval
            ),
            csrfToken: s.csrfToken,
            clientAddress: s.clientAddress,
            userAgent: s.userAgent
        )
    }

    func insert(_ entry: Entry, into state: inout State) {
        if state.byHash[entry.hash] == nil
            && state.byHash.count >= max(1, self.configuration.cacheLimit)
        {
            // Dropping entries only costs a reload on their next use; we drop the least recently
            // active tenth at once so the sort is amortised.
            let victims = state.byHash.values.sorted { $0.lastActivity < $1.lastActivity }
                .prefix(max(1, state.byHash.count / 10))
            for victim in victims { state.byHash[victim.hash] = nil }
        }
        state.byHash[entry.hash] = entry
    }

    /// Loads a session on the writer thread, so a load can never run between a revocation's
    /// delete and its cache update and bring a revoked session back.
    func load(hash: [UInt8]) async throws -> Entry? {
        let idle = self.configuration.idleTimeout.timeInterval
        return try await self.database.write { connection in
            if let cached = self.state.withLock({ $0.byHash[hash] }) { return cached }
            let entry =
                try connection.queryFirst(
                    """
                    SELECT s.id, s.user_id, u.name, s.created_at, s.last_seen_at, s.expires_at,
                        s.csrf_token, s.client_address, s.user_agent, u.disabled
                    FROM web_sessions s JOIN web_users u ON u.id = s.user_id WHERE s.token_hash = ?
                    """,
                    [.blob(hash)]
                ) { row -> Entry? in
                    guard row.int64(9) == 0, let created = row.string(3).flatMap(Timestamp.parse),
                        let seen = row.string(4).flatMap(Timestamp.parse),
                        let expires = row.string(5).flatMap(Timestamp.parse)
                    else { return nil }
                    let session = Session(
                        id: SessionID(rawValue: try row.requireString(0, "web_sessions.id")),
                        userID: try row.requireInt64(1, "web_sessions.user_id"),
                        userName: try row.requireString(2, "web_users.name"),
                        createdAt: created,
                        lastSeenAt: seen,
                        absoluteExpiresAt: expires,
                        idleExpiresAt: seen.addingTimeInterval(idle),
                        csrfToken: try row.requireString(6, "web_sessions.csrf_token"),
                        clientAddress: row.string(7),
                        userAgent: row.string(8)
                    )
                    return Entry(
                        session: session,
                        hash: hash,
                        lastActivity: seen,
                        lastWritten: seen
                    )
                } ?? nil
            if let entry { self.state.withLock { self.insert(entry, into: &$0) } }
            return entry
        }
    }

    /// Writes `last_seen_at`; false (after ending it) when the row is gone or its user disabled,
    /// which is how changes made by another process reach this one.
    func touch(hash: [UInt8], now: Date) async throws -> Bool {
        let alive = try await self.database.write { connection in
            try connection.run(
                """
                UPDATE web_sessions SET last_seen_at = ? WHERE token_hash = ?
                AND user_id IN (SELECT id FROM web_users WHERE disabled = 0)
                """,
                [.text(Timestamp.format(now)), .blob(hash)]
            ) > 0
        }
        if !alive { _ = try await self.end(hashes: [hash]) }
        return alive
    }

    /// Deletes the rows, drops the cache entries and tells the observers. Returns the ids ended.
    func end(hashes: [[UInt8]], alsoUser userID: Int64? = nil) async throws(AuthError)
        -> [SessionID]
    {
        let unique = Array(Set(hashes.filter { $0.count == 32 }))
        // We drop the cache entries first, so the session stops working here even if the
        // database write below fails.
        var ended = self.state.withLock { state in
            unique.compactMap { state.byHash.removeValue(forKey: $0) }
        }
        .map(\.session.id)
        do {
            let deleted = try await self.database.write { connection in
                var ids: [SessionID] = []
                for hash in unique {
                    if let id = try connection.queryFirst(
                        "SELECT id FROM web_sessions WHERE token_hash = ?",
                        [.blob(hash)],
                        { $0.string(0) }
                    )
                        ?? nil
                    {
                        ids.append(SessionID(rawValue: id))
                        try connection.run(
                            "DELETE FROM web_sessions WHERE token_hash = ?",
                            [.blob(hash)]
                        )
                    }
                }
                if let userID {
                    let more = try connection.query(
                        "SELECT id FROM web_sessions WHERE user_id = ?",
                        [.integer(userID)]
                    ) { SessionID(rawValue: $0.string(0) ?? "") }
                    try connection.run(
                        "DELETE FROM web_sessions WHERE user_id = ?",
                        [.integer(userID)]
                    )
                    ids += more
                }
                // A load queued before our delete may have refilled an entry; drop it again.
                self.state.withLock { state in
                    for hash in unique { state.byHash[hash] = nil }
                    if let userID {
                        state.byHash = state.byHash.filter { $0.value.session.userID != userID }
                    }
                }
                return ids
            }
            ended = Array(Set(ended + deleted))
        } catch {
            self.notify(ended)
            throw AuthError.wrap(error)
        }
        self.notify(ended)
        return ended
    }

    /// SHA-256 of a well-formed presented token; nil for anything that is not 43 base64url chars.
    static func hash(presented token: String) -> [UInt8]? {
        guard Base64URL.isToken(token, length: Self.tokenLength) else { return nil }
        return Hash.sha256(Array(token.utf8))
    }
}
