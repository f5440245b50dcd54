import Crypto
public import Foundation
import SQLite

/// One migration script found on disk.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    /// Lowercase hex SHA-256 of the file's bytes.
    public let checksum: String
    public let sql: String
}

/// A row of `schema_migrations`.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let checksum: String
    public let appliedAt: String
}

/// What the database holds compared with the scripts on disk.
public struct MigrationStatus: Sendable, Equatable {
    public var applied: [AppliedMigration]
    /// On disk, not yet applied, in version order.
    public var pending: [Migration]
    /// Applied, but the file on disk has changed since.
    public var modified: [Migration]
    /// Applied, but no longer on disk (the database is ahead of this build).
    public var unknown: [AppliedMigration]

    /// True when the schema matches the scripts exactly; the server serves only then.
    public var isCurrent: Bool { self.pending.isEmpty && self.modified.isEmpty && self.unknown.isEmpty }

    /// One line for logs and the CLI.
    public var summary: String {
        var parts = ["\(self.applied.count) applied", "\(self.pending.count) pending"]
        if !self.modified.isEmpty {
            parts.append("modified: " + self.modified.map(\.name).joined(separator: ", "))
        }
        if !self.unknown.isEmpty {
            parts.append("unknown: " + self.unknown.map(\.name).joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }
}

public struct MigrationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "migrations: \(self.message)" }
}

/// Applies the numbered scripts of a migrations directory to a database, each in its own
/// transaction, and reports whether the schema is current. It never rolls back or edits an
/// applied migration.
public struct Migrator: Sendable {
    public let database: Database
    public let directory: URL

    public init(database: Database, directory: URL) {
        self.database = database
        self.directory = directory
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// The scripts on disk, in version order.
    /// - Throws: `MigrationError` for an unreadable directory, a misnamed `.sql` file or a
    ///   duplicate version.
    public func available() throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: self.directory.path)
        } catch {
            throw MigrationError("cannot read directory \(self.directory.path)")
        }
        var found: [Int: Migration] = [:]
        for file in names.sorted() where file.hasSuffix(".sql") {
            guard let version = Self.version(of: file) else {
                throw MigrationError("\(file): name must look like 0001_snake_case.sql")
            }
            if let other = found[version] {
                throw MigrationError("\(file) and \(other.name) share version \(version)")
            }
            guard
                let data = FileManager.default.contents(
                    atPath: self.directory.appendingPathComponent(file).path
                ),
                let sql = String(data: data, encoding: .utf8)
            else { throw MigrationError("\(file): unreadable or not UTF-8") }
            found[version] = Migration(
                version: version,
                name: file,
                checksum: hex(Hash.sha256(Array(data))),
                sql: sql
            )
        }
        return found.keys.sorted().map { found[$0]! }
    }

    /// `0001_devices.sql` → 1; nil for names outside the convention.
    static func version(of file: String) -> Int? {
        let stem = file.dropLast(4)
        let digits = stem.prefix(4)
        let rest = stem.dropFirst(4)
        guard digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), rest.first == "_",
            rest.count > 1,
            rest.dropFirst().allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        else { return nil }
        return Int(digits)
    }

    public func status() throws -> MigrationStatus {
        let onDisk = try self.available()
        let applied = try self.database.writeSync { connection in
            try connection.execute(Self.createTable)
            return try connection.query(
                "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
            ) { row in
                AppliedMigration(
                    version: Int(try row.requireInt64(0, "schema_migrations.version")),
                    name: try row.requireString(1, "schema_migrations.name"),
                    checksum: try row.requireString(2, "schema_migrations.checksum"),
                    appliedAt: try row.requireString(3, "schema_migrations.applied_at")
                )
            }
        }
        let byVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        let diskVersions = Set(onDisk.map(\.version))
        return MigrationStatus(
            applied: applied,
            pending: onDisk.filter { byVersion[$0.version] == nil },
            modified: onDisk.filter { file in
                byVersion[file.version].map { $0.checksum != file.checksum } ?? false
            },
            unknown: applied.filter { !diskVersions.contains($0.version) }
        )
    }

    public func pending() throws -> [Migration] { try self.status().pending }

    public func isCurrent() throws -> Bool { try self.status().isCurrent }

    /// Applies every pending script in version order and returns the names it applied (empty
    /// when the schema was already current).
    /// - Throws: `MigrationError` if an applied script was modified or the database has
    ///   migrations this build does not know; a `SQLiteError` from a failing script, after
    ///   rolling that script back (earlier scripts stay applied).
    public func apply() throws -> [String] {
        let status = try self.status()
        if let changed = status.modified.first {
            throw MigrationError("\(changed.name) was modified after it was applied (checksum mismatch)")
        }
        if !status.unknown.isEmpty {
            let names = status.unknown.map(\.name).joined(separator: ", ")
            throw MigrationError("the database has migrations this build does not know: \(names)")
        }
        var appliedNames: [String] = []
        for migration in status.pending {
            let now = Timestamp.format(Date())
            let didApply = try self.database.writeSync { connection in
                // Another process may have applied it since we looked.
                let already =
                    try connection.queryFirst(
                        "SELECT 1 FROM schema_migrations WHERE version = ?",
                        [.integer(Int64(migration.version))]
                    ) { _ in true } ?? false
                if already { return false }
                try connection.execute(migration.sql)
                try connection.run(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                    [
                        .integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum),
                        .text(now),
                    ]
                )
                return true
            }
            if didApply { appliedNames.append(migration.name) }
        }
        return appliedNames
    }
}
