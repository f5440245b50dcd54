internal import CSQLite

/// A failed SQLite call: a Swift name for the result code, the C function and SQLite's message.
///
/// Messages come from `sqlite3_errmsg` and name tables, columns or constraints, never bound
/// values, because every value we send to SQLite is a bound parameter.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The primary result code, with Swift names for the ones callers act on.
    public enum Reason: Sendable, Equatable {
        case error, internalError, permission, abort, busy, locked, noMemory, readOnly
        case interrupted, ioError, corrupt, full, cantOpen, protocolError, schema, tooBig
        case constraint, mismatch, misuse, range, notADatabase
        /// A row that SQLite returned but that does not fit what the caller expected
        /// (a NULL where a value is required, or malformed stored JSON).
        case badRow
        case other(Int)
    }

    public let reason: Reason
    /// SQLite's extended result code (for example 517 for `SQLITE_BUSY_SNAPSHOT`), or 0.
    public let extendedCode: Int
    /// The C function (or our operation) that failed.
    public let function: String
    /// SQLite's own message.
    public let message: String

    public init(reason: Reason, extendedCode: Int = 0, function: String, message: String) {
        self.reason = reason
        self.extendedCode = extendedCode
        self.function = function
        self.message = message
    }

    public var description: String { "\(self.function): \(self.message) (\(self.reason))" }

    static func reason(for code: Int32) -> Reason {
        switch code & 0xff {
        case SQLITE_ERROR: .error
        case SQLITE_INTERNAL: .internalError
        case SQLITE_PERM: .permission
        case SQLITE_ABORT: .abort
        case SQLITE_BUSY: .busy
        case SQLITE_LOCKED: .locked
        case SQLITE_NOMEM: .noMemory
        case SQLITE_READONLY: .readOnly
        case SQLITE_INTERRUPT: .interrupted
        case SQLITE_IOERR: .ioError
        case SQLITE_CORRUPT: .corrupt
        case SQLITE_FULL: .full
        case SQLITE_CANTOPEN: .cantOpen
        case SQLITE_PROTOCOL: .protocolError
        case SQLITE_SCHEMA: .schema
        case SQLITE_TOOBIG: .tooBig
        case SQLITE_CONSTRAINT: .constraint
        case SQLITE_MISMATCH: .mismatch
        case SQLITE_MISUSE: .misuse
        case SQLITE_RANGE: .range
        case SQLITE_NOTADB: .notADatabase
        default: .other(Int(code & 0xff))
        }
    }
}

// TODO(#2): add a test-only error-injection hook here so BUSY/FULL paths can be forced.
/// The checking funnel: every SQLite call that returns a result code goes through here.
/// `SQLITE_OK`, `SQLITE_ROW` and `SQLITE_DONE` pass; anything else becomes a `SQLiteError`
/// carrying the connection's message.
@inline(__always)
func check(_ code: Int32, _ db: OpaquePointer?, _ function: String) throws(SQLiteError) {
    switch code {
    case SQLITE_OK, SQLITE_ROW, SQLITE_DONE: return
    default: throw makeError(code, db, function)
    }
}

func makeError(_ code: Int32, _ db: OpaquePointer?, _ function: String) -> SQLiteError {
    let message: String
    if let db, let text = sqlite3_errmsg(db) {
        message = String(cString: text)
    } else if let text = sqlite3_errstr(code) {
        message = String(cString: text)
    } else {
        message = "unknown error"
    }
    return SQLiteError(
        reason: SQLiteError.reason(for: code),
        extendedCode: Int(code),
        function: function,
        message: message
    )
}
