internal import CSQLite

/// One prepared statement, owned by the connection that prepared it and finalized in `deinit`.
///
/// Statements are not Sendable: they live and die on the thread that owns their connection.
/// Callers reach them only through `SQLiteConnection.withStatement`, which resets them after use.
public final class SQLiteStatement {
    let handle: OpaquePointer
    /// The owning connection's handle, kept for error messages. The connection finalizes all of
    /// its statements before it closes, so this pointer outlives us.
    let db: OpaquePointer
    var inUse = false

    init(db: OpaquePointer, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        try check(code, db, "sqlite3_prepare_v3")
        guard let statement else {
            // Only whitespace or comments: SQLite prepares nothing.
            throw SQLiteError(reason: .misuse, function: "sqlite3_prepare_v3", message: "empty statement")
        }
        self.handle = statement
        self.db = db
    }

    deinit { sqlite3_finalize(self.handle) }

    /// Binds `values` to parameters 1...n, replacing earlier bindings.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        try check(sqlite3_clear_bindings(self.handle), self.db, "sqlite3_clear_bindings")
        let expected = Int(sqlite3_bind_parameter_count(self.handle))
        guard values.count == expected else {
            throw SQLiteError(
                reason: .range,
                function: "bind",
                message: "statement takes \(expected) parameters, got \(values.count)"
            )
        }
        for (offset, value) in values.enumerated() {
            try self.bind(value, at: Int32(offset + 1))
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let code: Int32
        switch value {
        case .integer(let number):
            code = sqlite3_bind_int64(self.handle, index, number)
        case .real(let number):
            code = sqlite3_bind_double(self.handle, index, number)
        case .text(let text):
            let length = text.utf8.count
            guard length < Int(Int32.max) else { throw Self.tooBig() }
            // withCString gives a valid pointer even for "", so an empty string stays a string.
            code = text.withCString {
                sqlite3_bind_text(self.handle, index, $0, Int32(length), mps_sqlite_transient())
            }
        case .blob(let bytes):
            guard bytes.count < Int(Int32.max) else { throw Self.tooBig() }
            if bytes.isEmpty {
                code = sqlite3_bind_zeroblob(self.handle, index, 0)
            } else {
                code = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(
                        self.handle,
                        index,
                        $0.baseAddress,
                        Int32($0.count),
                        mps_sqlite_transient()
                    )
                }
            }
        case .null:
            code = sqlite3_bind_null(self.handle, index)
        }
        try check(code, self.db, "sqlite3_bind")
    }

    /// Advances one row. Returns false when the statement is done.
    public func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(self.handle)
        try check(code, self.db, "sqlite3_step")
        return code == SQLITE_ROW
    }

    /// Resets the statement so it can run again; bindings are cleared by the next `bind`.
    public func reset() {
        // sqlite3_reset repeats the last step's error, which `step` has already thrown.
        _ = sqlite3_reset(self.handle)
    }

    /// A view of the current row. Valid only until the next `step` or `reset`.
    public var row: SQLiteRow { SQLiteRow(statement: self) }

    private static func tooBig() -> SQLiteError {
        SQLiteError(reason: .tooBig, function: "sqlite3_bind", message: "value too large to bind")
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}

/// The columns of the statement's current row, read by 0-based index.
///
/// A row is a view, not a copy: read it inside the closure that received it, before the
/// statement steps again. It is not Sendable, so it cannot leave the connection's thread.
public struct SQLiteRow {
    let statement: SQLiteStatement

    init(statement: SQLiteStatement) { self.statement = statement }

    public var columnCount: Int { Int(sqlite3_column_count(self.statement.handle)) }

    public func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(self.statement.handle, Int32(index)) == SQLITE_NULL
    }

    public func int64(_ index: Int) -> Int64? {
        self.isNull(index) ? nil : sqlite3_column_int64(self.statement.handle, Int32(index))
    }

    public func int(_ index: Int) -> Int? { self.int64(index).map { Int($0) } }

    public func double(_ index: Int) -> Double? {
        self.isNull(index) ? nil : sqlite3_column_double(self.statement.handle, Int32(index))
    }

    /// The column as UTF-8 text; invalid UTF-8 is repaired with replacement characters.
    public func string(_ index: Int) -> String? {
        let column = Int32(index)
        guard !self.isNull(index), let text = sqlite3_column_text(self.statement.handle, column) else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(self.statement.handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    public func blob(_ index: Int) -> [UInt8]? {
        let column = Int32(index)
        guard !self.isNull(index) else { return nil }
        let count = Int(sqlite3_column_bytes(self.statement.handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(self.statement.handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    public func value(_ index: Int) -> SQLiteValue {
        let column = Int32(index)
        switch sqlite3_column_type(self.statement.handle, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(self.statement.handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(self.statement.handle, column))
        case SQLITE_TEXT: return .text(self.string(index) ?? "")
        case SQLITE_BLOB: return .blob(self.blob(index) ?? [])
        default: return .null
        }
    }

    /// The column as text, or a `.badRow` error naming `what` when it is NULL.
    public func requireString(_ index: Int, _ what: String) throws(SQLiteError) -> String {
        guard let text = self.string(index) else { throw Self.missing(what) }
        return text
    }

    public func requireInt64(_ index: Int, _ what: String) throws(SQLiteError) -> Int64 {
        guard let number = self.int64(index) else { throw Self.missing(what) }
        return number
    }

    static func missing(_ what: String) -> SQLiteError {
        SQLiteError(reason: .badRow, function: "read", message: "\(what) is NULL")
    }
}

@available(*, unavailable)
extension SQLiteRow: Sendable {}
