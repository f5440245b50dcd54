import Foundation
import Store

/// The repository's own migrations directory.
let repositoryMigrations = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("migrations")

/// A fresh directory under the system temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mps-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A migrated database in a temporary file (a file, not `:memory:`, so the reader thread and
/// WAL mode are exercised too).
func makeDatabase() throws -> Database {
    let directory = try makeTemporaryDirectory()
    let database = try Database.open(path: directory.appendingPathComponent("mps.sqlite").path)
    _ = try Migrator(database: database, directory: repositoryMigrations).apply()
    return database
}

let guidA = "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0000"
let guidB = "bbbb0000-bbbb-4ccc-8ddd-eeeeffff0000"
let guidC = "cccc0000-bbbb-4ccc-8ddd-eeeeffff0000"

func guid(_ number: Int) -> String { String(format: "%08x-0000-4000-8000-000000000000", number) }
