import Foundation
import Logging
import Store
import Synchronization

/// The repository's own migrations directory.
let repositoryMigrations = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("migrations")

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "mps-auth-\(UUID().uuidString)"
    )
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A migrated database in a temporary file, so the reader thread and WAL mode are used too.
func makeDatabase() throws -> Database {
    let directory = try makeTemporaryDirectory()
    let database = try Database.open(path: directory.appendingPathComponent("mps.sqlite").path)
    _ = try Migrator(database: database, directory: repositoryMigrations).apply()
    return database
}

/// Inserts a user row directly (no argon2), for session tests; returns its id.
func insertUser(_ database: Database, name: String, disabled: Bool = false) async throws -> Int64 {
    try await database.write { connection in
        try connection.run(
            """
            INSERT INTO web_users (name, password_hash, created_at, updated_at, disabled)
            VALUES (?, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA', ?, ?, ?)
            """,
            [
                .text(name), .text("2026-01-01T00:00:00.000Z"), .text("2026-01-01T00:00:00.000Z"),
                .integer(disabled ? 1 : 0),
            ]
        )
        return connection.lastInsertRowID
    }
}

/// A fixed instant to start injected clocks from (whole milliseconds, as the store keeps).
let epoch = Date(timeIntervalSince1970: 1_800_000_000)

/// Collects log lines so tests can read what was logged.
final class CapturingSink: LogSink {
    let lines = Mutex<[String]>([])
    func write(_ line: String) { self.lines.withLock { $0.append(line) } }
    var all: [String] { self.lines.withLock { $0 } }
}

/// Collects values handed to a @Sendable callback.
final class Recorder<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func append(_ item: T) { self.items.withLock { $0.append(item) } }
    var values: [T] { self.items.withLock { $0 } }
}

let strongPassword = "Correct-Horse-7"
