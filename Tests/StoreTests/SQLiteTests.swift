import Foundation
import SQLite
import Testing

@Suite struct SQLiteTests {
    /// Every value type binds and reads back unchanged, including empty text and empty blobs.
    @Test func typedBindingRoundTrip() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try db.run(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
            [.integer(-42), .real(2.5), "héllo\u{0}x", .blob([0, 1, 255]), nil]
        )
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [0, 0.0, "", .blob([]), nil])
        let rows = try db.query("SELECT i, r, s, b, n FROM t ORDER BY rowid") { row in
            [row.value(0), row.value(1), row.value(2), row.value(3), row.value(4)]
        }
        #expect(rows[0] == [.integer(-42), .real(2.5), .text("héllo\u{0}x"), .blob([0, 1, 255]), .null])
        #expect(rows[1] == [.integer(0), .real(0), .text(""), .blob([]), .null])
    }

    /// Constraint violations surface as `.constraint` with SQLite's message.
    @Test func constraintErrorHasReason() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
        try db.run("INSERT INTO t VALUES (?)", ["a"])
        let error = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (?)", ["a"]) }
        #expect(error.reason == .constraint)
        #expect(error.message.contains("UNIQUE constraint failed: t.k"))
    }

    /// A wrong parameter count and bad SQL are errors, not crashes.
    @Test func misuseIsAnError() throws {
        let db = try SQLiteConnection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try db.run("SELECT ?", []) }
        let syntax = try #require(throws: SQLiteError.self) { try db.run("SELEKT 1") }
        #expect(syntax.reason == .error)
    }

    /// A throwing transaction body rolls everything back; nested ones become savepoints.
    @Test func transactionRollsBack() throws {
        let db = try SQLiteConnection(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        try db.transaction {
            try db.run("INSERT INTO t VALUES (2)")
            try? db.transaction {
                try db.run("INSERT INTO t VALUES (3)")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT v FROM t") { $0.int(0) } == [2])
        #expect(!db.isInTransaction)
    }

    /// Opening a file gives WAL mode, foreign keys on and the bounded page cache (512 KiB by
    /// default, not SQLite's 2,000 KiB per connection).
    @Test func fileDatabasesUseWALAndForeignKeys() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID()).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try SQLiteConnection(path: path)
        #expect(try db.queryFirst("PRAGMA journal_mode") { $0.string(0) } == "wal")
        #expect(try db.queryFirst("PRAGMA foreign_keys") { $0.int(0) } == 1)
        #expect(try db.queryFirst("PRAGMA synchronous") { $0.int(0) } == 1)  // NORMAL
        #expect(try db.queryFirst("PRAGMA cache_size") { $0.int(0) } == -512)
        var options = SQLiteConnection.Options()
        options.pageCacheKiB = 2048
        let larger = try SQLiteConnection(path: path, options: options)
        #expect(try larger.queryFirst("PRAGMA cache_size") { $0.int(0) } == -2048)
    }

    /// B37: a deferred transaction that reads and then writes after another connection wrote
    /// fails with BUSY at once; an immediate one waits for the lock and succeeds.
    @Test func deferredUpgradeFailsImmediateWaits() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(UUID()).sqlite").path
        let a = try SQLiteConnection(path: path)
        let b = try SQLiteConnection(path: path)
        try a.execute("CREATE TABLE t (v INTEGER)")
        let error = try #require(throws: SQLiteError.self) {
            try a.transaction(.deferred) {
                _ = try a.query("SELECT COUNT(*) FROM t") { $0.int(0) }
                try b.run("INSERT INTO t VALUES (1)")  // b commits while a holds a stale snapshot
                try a.run("INSERT INTO t VALUES (2)")
            }
        }
        #expect(error.reason == .busy)
        try a.transaction(.immediate) {
            _ = try a.query("SELECT COUNT(*) FROM t") { $0.int(0) }
            try a.run("INSERT INTO t VALUES (3)")
        }
        #expect(try b.query("SELECT v FROM t ORDER BY v") { $0.int(0) } == [1, 3])
    }

    /// Reading a NULL as required is a `.badRow` error naming the column.
    @Test func requiredColumnThatIsNullThrows() throws {
        let db = try SQLiteConnection(path: ":memory:")
        let error = try #require(throws: SQLiteError.self) {
            try db.queryFirst("SELECT NULL") { try $0.requireString(0, "t.name") }
        }
        #expect(error.reason == .badRow && error.message == "t.name is NULL")
    }
}
