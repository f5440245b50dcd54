import Foundation
import SQLite
import Store
import Testing

@Suite struct MigratorTests {
    func scratch(_ files: [String: String]) throws -> (Database, URL) {
        let directory = try makeTemporaryDirectory()
        let migrations = directory.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        for (name, sql) in files {
            try sql.write(to: migrations.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return (try Database.open(path: directory.appendingPathComponent("db.sqlite").path), migrations)
    }

    /// On an empty database every repository migration applies, in order; a second run applies none.
    @Test func appliesRepositoryMigrationsOnceInOrder() throws {
        let (database, _) = try self.scratch([:])
        let migrator = Migrator(database: database, directory: repositoryMigrations)
        #expect(try !migrator.isCurrent())
        #expect(
            try migrator.pending().map(\.name) == [
                "0001_devices.sql", "0002_device_secrets.sql", "0003_api_keys.sql", "0004_web_users.sql",
            ]
        )
        #expect(
            try migrator.apply() == [
                "0001_devices.sql", "0002_device_secrets.sql", "0003_api_keys.sql", "0004_web_users.sql",
            ])
        #expect(try migrator.apply() == [])
        #expect(try migrator.isCurrent())
        let tables = try database.readSync { db in
            try db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                $0.string(0) ?? ""
            }
        }
        #expect(
            tables == [
                "api_keys", "device_secrets", "devices", "schema_migrations", "sqlite_sequence", "web_sessions",
                "web_users",
            ])
        let versions = try database.readSync { db in
            try db.query("SELECT version FROM schema_migrations") { $0.int(0) }
        }
        #expect(versions == [1, 2, 3, 4])
    }

    /// A new file makes the schema "behind" until it is applied.
    @Test func detectsBehindSchema() throws {
        let (database, dir) = try self.scratch(["0001_a.sql": "CREATE TABLE a (x);"])
        let migrator = Migrator(database: database, directory: dir)
        _ = try migrator.apply()
        try "CREATE TABLE b (y);".write(
            to: dir.appendingPathComponent("0002_b.sql"),
            atomically: true,
            encoding: .utf8
        )
        let status = try migrator.status()
        #expect(!status.isCurrent && status.pending.map(\.version) == [2] && status.applied.count == 1)
        #expect(try migrator.apply() == ["0002_b.sql"])
        #expect(try migrator.isCurrent())
    }

    /// Editing an applied file is a checksum mismatch: status says so and apply refuses.
    @Test func editedMigrationIsAnError() throws {
        let (database, dir) = try self.scratch(["0001_a.sql": "CREATE TABLE a (x);"])
        let migrator = Migrator(database: database, directory: dir)
        _ = try migrator.apply()
        try "CREATE TABLE a (x, y);".write(
            to: dir.appendingPathComponent("0001_a.sql"),
            atomically: true,
            encoding: .utf8
        )
        #expect(try migrator.status().modified.map(\.name) == ["0001_a.sql"])
        #expect(try !migrator.isCurrent())
        let error = try #require(throws: MigrationError.self) { try migrator.apply() }
        #expect(error.description.contains("0001_a.sql was modified"))
    }

    /// A database with migrations this build lacks is not current and is not migrated.
    @Test func unknownAppliedMigrationIsNotCurrent() throws {
        let (database, dir) = try self.scratch([
            "0001_a.sql": "CREATE TABLE a (x);", "0002_b.sql": "CREATE TABLE b (x);",
        ])
        let migrator = Migrator(database: database, directory: dir)
        _ = try migrator.apply()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("0002_b.sql"))
        #expect(try migrator.status().unknown.map(\.version) == [2])
        #expect(throws: MigrationError.self) { try migrator.apply() }
    }

    /// A failing script rolls back alone; earlier ones stay, and nothing is recorded for it.
    @Test func failingScriptRollsBack() throws {
        let (database, dir) = try self.scratch([
            "0001_a.sql": "CREATE TABLE a (x);",
            "0002_bad.sql": "CREATE TABLE c (x); INSERT INTO nope VALUES (1);",
        ])
        let migrator = Migrator(database: database, directory: dir)
        #expect(throws: SQLiteError.self) { try migrator.apply() }
        let status = try migrator.status()
        #expect(status.applied.map(\.version) == [1] && status.pending.map(\.version) == [2])
        let hasC = try database.readSync { db in
            try db.queryFirst("SELECT 1 FROM sqlite_master WHERE name = 'c'") { _ in true } ?? false
        }
        #expect(!hasC)
    }

    /// Misnamed or duplicate-version SQL files are errors; other files are ignored.
    @Test func badFileNamesAreErrors() throws {
        let (db1, dir1) = try self.scratch(["1_a.sql": "SELECT 1;", "README.md": "x"])
        #expect(throws: MigrationError.self) { try Migrator(database: db1, directory: dir1).available() }
        let (db2, dir2) = try self.scratch(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"])
        #expect(throws: MigrationError.self) { try Migrator(database: db2, directory: dir2).available() }
        let (db3, dir3) = try self.scratch(["0001_a.sql": "SELECT 1;", "notes.txt": "x"])
        #expect(try Migrator(database: db3, directory: dir3).available().map(\.name) == ["0001_a.sql"])
    }

    /// The locator honours MPS_MIGRATIONS_DIR, then ./migrations, then walks up from the binary.
    @Test func locatorOrder() throws {
        let root = try makeTemporaryDirectory()
        let migrations = root.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        try "".write(to: root.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        let binary = root.appendingPathComponent(".build/debug/mps")
        try FileManager.default.createDirectory(
            at: binary.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        let elsewhere = try makeTemporaryDirectory().path

        let walked = try MigrationsLocator.find(
            environment: [:],
            currentDirectory: elsewhere,
            executablePath: binary.path
        )
        #expect(walked.standardizedFileURL.path == migrations.standardizedFileURL.path)
        let local = try MigrationsLocator.find(
            environment: [:],
            currentDirectory: root.path,
            executablePath: nil
        )
        #expect(local.path == migrations.path)
        let explicit = try MigrationsLocator.find(
            environment: ["MPS_MIGRATIONS_DIR": repositoryMigrations.path],
            currentDirectory: root.path,
            executablePath: nil
        )
        #expect(explicit.path == repositoryMigrations.path)
        #expect(throws: MigrationError.self) {
            try MigrationsLocator.find(
                environment: ["MPS_MIGRATIONS_DIR": "/nonexistent"],
                currentDirectory: root.path
            )
        }
        #expect(throws: MigrationError.self) {
            try MigrationsLocator.find(
                environment: [:],
                currentDirectory: elsewhere,
                executablePath: "/usr/bin/env"
            )
        }
    }
}
