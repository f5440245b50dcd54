import Crypto
public import Foundation
import SQLite
import Synchronization

/// What the server may show about an API key: never the key itself.
public struct APIKeyInfo: Sendable, Equatable, Codable {
    public let id: Int64
    public let name: String
    /// The first characters of the key (`mps_` and 8 more), to tell keys apart.
    public let prefix: String
    public let createdAt: Date
    public var lastUsedAt: Date?
}

/// A newly created key: `key` is shown to the operator once and stored nowhere.
public struct NewAPIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let key: String
    public let info: APIKeyInfo

    public var description: String { "NewAPIKey(\(self.info.name), \(self.info.prefix)…)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["info": self.info]) }
}

/// REST API keys: `mps_` plus 32 random bytes in base64url. Only SHA-256 of a key is stored;
/// keys carry 256 bits of entropy, so a fast hash is the right tool (argon2 would only slow the
/// hot path). Verification is a hash and a dictionary lookup in memory.
///
/// The in-memory table is loaded from the database on first use and kept in step by `create`
/// and `revoke`; it does not see keys changed by another process until restart.
public final class APIKeyStore: Sendable {
    public static let keyPrefix = "mps_"
    /// Longer presented keys are refused before hashing (a real key is 47 characters).
    public static let maximumPresentedLength = 128
    /// `last_used_at` is written at most this often per key.
    public static let lastUsedResolution: TimeInterval = 60

    private let database: Database
    private let now: @Sendable () -> Date
    private let cache = Mutex<Cache>(Cache())

    private struct Cache {
        var loaded = false
        var byHash: [[UInt8]: (hash: [UInt8], info: APIKeyInfo)] = [:]
    }

    public init(database: Database, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.now = now
    }

    /// Creates a key called `name` and returns it, the only time it is ever visible.
    /// - Throws: `StoreError.invalidName` (1–64 printable characters), `.duplicateName`.
    public func create(name: String) async throws -> NewAPIKey {
        guard (1...64).contains(name.count),
            name.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace || $0 == " " }),
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            name.trimmingCharacters(in: .whitespaces) == name
        else { throw StoreError.invalidName("1 to 64 printable characters, no leading or trailing space") }
        try await self.loadIfNeeded()
        let key = Self.keyPrefix + Self.base64URL(SecureRandom.bytes(32))
        let hash = Hash.sha256(Array(key.utf8))
        let prefix = String(key.prefix(Self.keyPrefix.count + 8))
        let created = self.now()
        let info: APIKeyInfo
        do {
            info = try await self.database.write { connection in
                try connection.run(
                    "INSERT INTO api_keys (name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?)",
                    [.text(name), .blob(hash), .text(prefix), .text(Timestamp.format(created))]
                )
                let info = APIKeyInfo(
                    id: connection.lastInsertRowID,
                    name: name,
                    prefix: prefix,
                    createdAt: created,
                    lastUsedAt: nil
                )
                // We update the table on the writer thread so loads and changes stay in one order.
                self.cache.withLock { $0.byHash[hash] = (hash, info) }
                return info
            }
        } catch let error as SQLiteError where error.reason == .constraint {
            throw StoreError.duplicateName
        }
        return NewAPIKey(key: key, info: info)
    }

    /// The key's record when `presented` is a current key, else nil. Empty, oversized,
    /// non-ASCII or malformed input is simply nil (field fault B35). Timing does not depend on
    /// how much of a real key matches: we compare SHA-256 digests, and the last step is a
    /// constant-time comparison.
    public func verify(presented: String) async -> APIKeyInfo? {
        let bytes = Array(presented.utf8)
        guard bytes.count <= Self.maximumPresentedLength, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            return nil
        }
        guard (try? await self.loadIfNeeded()) != nil else { return nil }
        let hash = Hash.sha256(bytes)
        guard let entry = self.cache.withLock({ $0.byHash[hash] }), constantTimeEqual(entry.hash, hash) else {
            return nil
        }
        var info = entry.info
        let now = self.now()
        if info.lastUsedAt.map({ now.timeIntervalSince($0) >= Self.lastUsedResolution }) ?? true {
            info.lastUsedAt = now
            let updated = info
            _ = try? await self.database.write { connection in
                try connection.run(
                    "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                    [.text(Timestamp.format(now)), .integer(updated.id)]
                )
                self.cache.withLock { table in
                    if table.byHash[hash] != nil { table.byHash[hash] = (hash, updated) }
                }
            }
        }
        return info
    }

    /// Every key's record, by name.
    public func list() async throws -> [APIKeyInfo] {
        try await self.database.read { connection in
            try connection.query(
                "SELECT id, name, prefix, created_at, last_used_at FROM api_keys ORDER BY name"
            ) {
                try Self.info(from: $0)
            }
        }
    }

    /// Deletes the key called `name`; it stops working at once. False when there is none.
    @discardableResult
    public func revoke(name: String) async throws -> Bool {
        try await self.database.write { connection in
            let removed = try connection.run("DELETE FROM api_keys WHERE name = ?", [.text(name)]) > 0
            self.cache.withLock { table in table.byHash = table.byHash.filter { $0.value.info.name != name } }
            return removed
        }
    }

    /// Fills the table from the database once. Runs on the writer thread, so it is ordered with
    /// `create` and `revoke` and can never resurrect a revoked key.
    private func loadIfNeeded() async throws {
        if self.cache.withLock({ $0.loaded }) { return }
        try await self.database.write { connection in
            if self.cache.withLock({ $0.loaded }) { return }
            let rows = try connection.query(
                "SELECT id, name, prefix, created_at, last_used_at, key_hash FROM api_keys"
            ) { row -> ([UInt8], APIKeyInfo) in
                guard let hash = row.blob(5), hash.count == 32 else {
                    throw StoreError.corruptRow("api_keys.key_hash")
                }
                return (hash, try Self.info(from: row))
            }
            self.cache.withLock { table in
                for (hash, info) in rows { table.byHash[hash] = (hash, info) }
                table.loaded = true
            }
        }
    }

    private static func info(from row: SQLiteRow) throws -> APIKeyInfo {
        guard let created = Timestamp.parse(try row.requireString(3, "api_keys.created_at")) else {
            throw StoreError.corruptRow("api_keys.created_at")
        }
        return APIKeyInfo(
            id: try row.requireInt64(0, "api_keys.id"),
            name: try row.requireString(1, "api_keys.name"),
            prefix: try row.requireString(2, "api_keys.prefix"),
            createdAt: created,
            lastUsedAt: row.string(4).flatMap(Timestamp.parse)
        )
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
