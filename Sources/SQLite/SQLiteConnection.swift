internal import CSQLite

/// One SQLite database connection with a prepared-statement cache.
///
/// A connection is confined to one thread: it is opened with `SQLITE_OPEN_NOMUTEX` and is
/// deliberately not Sendable. `Store.Database` is what moves work onto the thread that owns a
/// connection. It does not pool, retry or log; callers get a `SQLiteError` for every failure.
public final class SQLiteConnection {
    /// How a transaction takes its locks. Writers should use `.immediate` (field fault B37):
    /// a deferred transaction that reads first and then writes cannot wait for the write lock,
    /// and fails with `SQLITE_BUSY` at once even with a busy timeout.
    public enum TransactionKind: Sendable {
        case deferred, immediate, exclusive
    }

    public struct Options: Sendable {
        /// How long a statement waits for another connection's lock before `.busy`.
        public var busyTimeoutMilliseconds: Int = 5000
        /// Write-ahead logging; ignored for in-memory databases.
        public var walMode = true
        /// Refuse every write on this connection (for read-only worker connections).
        public var readOnly = false
        /// The most statements kept prepared; the cache is cleared when it is full.
        public var statementCacheLimit = 64
        /// SQLite's page cache for this connection, in KiB (`PRAGMA cache_size=-N`). SQLite's
        /// default is 2,000 KiB per connection; a 10,000-device database is about 6 MB, and
        /// pages it evicts are read back from the OS page cache.
        public var pageCacheKiB = 512

        public init() {}
    }

    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]
    private let statementCacheLimit: Int
    public let path: String

    /// Opens (creating if needed) the database at `path`; `":memory:"` is a private in-memory one.
    /// Applies WAL mode, `synchronous=NORMAL`, `foreign_keys=ON` and the busy timeout.
    public init(path: String, options: Options = Options()) throws(SQLiteError) {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = makeError(code, db, "sqlite3_open_v2")
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        self.statementCacheLimit = max(1, options.statementCacheLimit)
        do {
            try check(sqlite3_extended_result_codes(db, 1), db, "sqlite3_extended_result_codes")
            try check(
                sqlite3_busy_timeout(db, Int32(clamping: options.busyTimeoutMilliseconds)),
                db,
                "sqlite3_busy_timeout"
            )
            if options.walMode && !self.isInMemory && !options.readOnly {
                let mode = try self.query("PRAGMA journal_mode=WAL") { $0.string(0) }.first ?? nil
                guard mode?.lowercased() == "wal" else {
                    throw SQLiteError(
                        reason: .error,
                        function: "PRAGMA journal_mode",
                        message: "could not switch to WAL mode (got \(mode ?? "nothing"))"
                    )
                }
            }
            try self.execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            try self.execute("PRAGMA cache_size=-\(max(64, options.pageCacheKiB))")
            if options.readOnly { try self.execute("PRAGMA query_only=ON;") }
        } catch let error as SQLiteError {
            self.close()
            throw error
        } catch {
            self.close()
            throw SQLiteError(reason: .error, function: "open", message: "\(error)")
        }
    }

    deinit { self.close() }

    /// Finalizes every cached statement and closes the connection. Safe to call twice.
    public func close() {
        self.statements.removeAll()
        if let handle = self.handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    private var isInMemory: Bool { self.path == ":memory:" || self.path.isEmpty }

    private func db() throws(SQLiteError) -> OpaquePointer {
        guard let handle = self.handle else {
            throw SQLiteError(reason: .misuse, function: "connection", message: "connection is closed")
        }
        return handle
    }

    /// Runs one or more SQL statements without parameters (schema scripts, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        let db = try self.db()
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw SQLiteError(
                reason: SQLiteError.reason(for: code),
                extendedCode: Int(code),
                function: "sqlite3_exec",
                message: text
            )
        }
    }

    /// Gives `body` a prepared, bound statement for `sql`, from the cache when possible, and resets
    /// it afterwards. A statement already in use further up the stack is prepared afresh.
    public func withStatement<T>(
        _ sql: String,
        _ values: [SQLiteValue] = [],
        _ body: (SQLiteStatement) throws -> T
    ) throws -> T {
        let db = try self.db()
        let statement: SQLiteStatement
        if let cached = self.statements[sql], !cached.inUse {
            statement = cached
        } else {
            statement = try SQLiteStatement(db: db, sql: sql)
            if self.statements[sql] == nil {
                if self.statements.count >= self.statementCacheLimit { self.statements.removeAll() }
                self.statements[sql] = statement
            }
        }
        statement.inUse = true
        defer {
            statement.reset()
            statement.inUse = false
        }
        try statement.bind(values)
        return try body(statement)
    }

    /// Runs a statement that returns no rows and gives the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        try self.withStatement(sql, values) { statement in
            while try statement.step() {}
            return Int(sqlite3_changes64(statement.db))
        }
    }

    /// Runs a query and maps every row.
    public func query<T>(
        _ sql: String,
        _ values: [SQLiteValue] = [],
        _ map: (SQLiteRow) throws -> T
    ) throws -> [T] {
        try self.withStatement(sql, values) { statement in
            var rows: [T] = []
            while try statement.step() { rows.append(try map(statement.row)) }
            return rows
        }
    }

    /// Runs a query and maps its first row, if any.
    public func queryFirst<T>(
        _ sql: String,
        _ values: [SQLiteValue] = [],
        _ map: (SQLiteRow) throws -> T
    ) throws -> T? {
        try self.withStatement(sql, values) { statement in
            try statement.step() ? try map(statement.row) : nil
        }
    }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 {
        guard let handle = self.handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool {
        guard let handle = self.handle else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Inside an open transaction this nests as a savepoint.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if self.isInTransaction {
            try self.execute("SAVEPOINT mps_nested")
            do {
                let result = try body()
                try self.execute("RELEASE mps_nested")
                return result
            } catch {
                try? self.execute("ROLLBACK TO mps_nested; RELEASE mps_nested")
                throw error
            }
        }
        switch kind {
        case .deferred: try self.execute("BEGIN DEFERRED")
        case .immediate: try self.execute("BEGIN IMMEDIATE")
        case .exclusive: try self.execute("BEGIN EXCLUSIVE")
        }
        do {
            let result = try body()
            try self.execute("COMMIT")
            return result
        } catch {
            // SQLite may already have rolled back (for example after SQLITE_FULL).
            if self.isInTransaction { try? self.execute("ROLLBACK") }
            throw error
        }
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}
