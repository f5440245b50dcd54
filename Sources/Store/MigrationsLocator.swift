public import Foundation

/// Finds the `migrations/` directory the server should use.
///
/// In order: `MPS_MIGRATIONS_DIR` if set (it must exist; we never fall back past an explicit
/// setting), `./migrations` if present, else the nearest ancestor of the executable's directory
/// that holds both `migrations/` and `Package.swift` (the binary lives in `.build/<config>/`).
public enum MigrationsLocator {
    public static func find(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = MigrationsLocator.currentExecutablePath()
    ) throws -> URL {
        if let explicit = environment["MPS_MIGRATIONS_DIR"], !explicit.isEmpty {
            guard Self.isDirectory(explicit) else {
                throw MigrationError("MPS_MIGRATIONS_DIR \(explicit) is not a directory")
            }
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        let local = URL(fileURLWithPath: currentDirectory, isDirectory: true).appendingPathComponent(
            "migrations"
        )
        if Self.isDirectory(local.path) { return local }
        if let executablePath {
            var directory = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
                .deletingLastPathComponent()
            for _ in 0..<12 {
                let candidate = directory.appendingPathComponent("migrations")
                let package = directory.appendingPathComponent("Package.swift")
                if Self.isDirectory(candidate.path) && FileManager.default.fileExists(atPath: package.path) {
                    return candidate
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw MigrationError(
            "no migrations directory: set MPS_MIGRATIONS_DIR, or run from the repository root"
        )
    }

    /// The running executable, from `/proc/self/exe` on Linux.
    public static func currentExecutablePath() -> String? {
        #if os(Linux)
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return path
            }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments.first
    }

    private static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }
}
