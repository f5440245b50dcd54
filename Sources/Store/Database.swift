import Foundation
internal import Synchronization
public import SQLite

/// The server's SQLite database: one writer connection and optionally one reader, each owned by
/// its own dedicated thread, so SQLite never runs on an event loop or the cooperative pool.
///
/// Writes are serialised on the writer thread and each runs in `BEGIN IMMEDIATE` (field fault
/// B37). Reads run in a deferred (read-only) transaction on the reader when there is one, so a
/// multi-statement read sees one snapshot. It does not run migrations; see `Migrator`.
public final class Database: Sendable {
    public let path: String
    private let writer: ConnectionWorker
    private let reader: ConnectionWorker?

    private init(path: String, writer: ConnectionWorker, reader: ConnectionWorker?) {
        self.path = path
        self.writer = writer
        self.reader = reader
    }

    /// Opens (creating if needed) the database file. `":memory:"` gives a private in-memory
    /// database served by the writer thread alone.
    public static func open(
        path: String,
        readers: Int = 1,
        busyTimeoutMilliseconds: Int = 5000
    ) throws -> Database {
        var options = SQLiteConnection.Options()
        options.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        let writerConnection = try SQLiteConnection(path: path, options: options)
        let writer = ConnectionWorker(name: "mps.db.writer", connection: writerConnection)
        var reader: ConnectionWorker?
        if readers > 0 && path != ":memory:" && !path.isEmpty {
            options.readOnly = true
            do {
                let readerConnection = try SQLiteConnection(path: path, options: options)
                reader = ConnectionWorker(name: "mps.db.reader", connection: readerConnection)
            } catch {
                writer.stop()
                throw error
            }
        }
        return Database(path: path, writer: writer, reader: reader)
    }

    deinit { self.close() }

    /// Lets queued work finish, then closes the connections. Later calls throw `StoreError.closed`.
    public func close() {
        self.writer.stop()
        self.reader?.stop()
    }

    /// Runs `body` in a write transaction (BEGIN IMMEDIATE) on the writer thread.
    // TODO(#2): honour task cancellation for queued jobs that have not started yet.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws
        -> T
    {
        defer { self.writes.add(1, ordering: .releasing) }
        self.writes.add(1, ordering: .releasing)
        return try await self.writer.perform { connection in
            try connection.transaction(.immediate) { try body(connection) }
        }
    }

    /// Counts writes begun and ended (bumped before and after each), so read caches can tell
    /// that a write happened, or is under way, since they read.
    let writes = Atomic<UInt64>(0)

    /// Runs `body` in a read transaction on the reader thread (or the writer's, without one).
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws
        -> T
    {
        try await (self.reader ?? self.writer).perform { connection in
            try connection.transaction(.deferred) { try body(connection) }
        }
    }

    /// Blocking form of `write` for command-line use and startup. Never call it from an event
    /// loop or from inside another database closure.
    public func writeSync<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) throws -> T
    {
        try self.writer.performSync { connection in
            try connection.transaction(.immediate) { try body(connection) }
        }
    }

    /// Blocking form of `read`, with the same rules as `writeSync`.
    public func readSync<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) throws -> T
    {
        try (self.reader ?? self.writer).performSync { connection in
            try connection.transaction(.deferred) { try body(connection) }
        }
    }

    /// Runs `body` on the writer connection outside any transaction (for scripts that manage
    /// their own, and for pragmas that cannot run inside one).
    public func withWriterConnection<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) throws -> T {
        try self.writer.performSync(body)
    }
}

/// One SQLite connection plus the thread that owns it.
///
/// `@unchecked Sendable` proof: the connection is opened by `Database.open` and handed here
/// before anyone uses it; from then on only the jobs run by `thread` touch it, one at a time,
/// including the final close, which is the last job queued by `stop()`. After that `connection`
/// is nil and nothing reads it again. `SQLiteConnection` itself stays non-Sendable.
final class ConnectionWorker: @unchecked Sendable {
    private var connection: SQLiteConnection?
    private let thread: SerialThread

    init(name: String, connection: SQLiteConnection) {
        self.connection = connection
        self.thread = SerialThread(name: name)
    }

    func stop() {
        _ = self.thread.submit { [self] in
            self.connection?.close()
            self.connection = nil
        }
        self.thread.stop()
    }

    func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = self.thread.submit { [self] in
                continuation.resume(with: Result { try body(try self.open()) })
            }
            if !accepted { continuation.resume(throwing: StoreError.closed) }
        }
    }

    func performSync<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) throws -> T {
        precondition(!self.thread.isCurrent, "performSync called from the database's own thread")
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        let accepted = self.thread.submit { [self] in
            box.result = Result { try body(try self.open()) }
            done.signal()
        }
        guard accepted else { throw StoreError.closed }
        done.wait()
        return try box.result!.get()
    }

    private func open() throws -> SQLiteConnection {
        guard let connection = self.connection else { throw StoreError.closed }
        return connection
    }
}

/// `@unchecked Sendable` proof: written once by the worker job before it signals the semaphore,
/// read once by the waiting thread after `wait()` returns; the semaphore orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
