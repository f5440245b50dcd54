public import Foundation
public import Logging
internal import Store
internal import Config
internal import Web

/// The `mps` command line: serve, migrate, demo, and key management.
public enum CommandLineTool {
    static let usage = """
        usage: mps [--config FILE]              serve (CIRA on 4433, web/API on 3000)
               mps --migrate                    apply pending SQL migrations and exit
               mps --demo [N]                   serve with N simulated devices (default 5)
               mps apikey create NAME           print a new API key once
               mps apikey list | revoke NAME
               mps user add NAME | passwd NAME   web user; the password is read from stdin
               mps user remove NAME | list
               mps --version
               mps device import FILE           register devices + credentials from JSON
        Settings come from the config file, then MPS_* environment variables (see README).
        """

    /// Runs the command and returns the process exit status.
    public static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        var args = Array(arguments.dropFirst())
        if args.contains("--help") || args.contains("-h") || args.first == "help" {
            Self.say(Self.usage)
            return 0
        }
        if args.first == "--version" {
            Self.say("mps \(ServerRoutes.version)")
            return 0
        }
        let configuration: MPSConfiguration
        do {
            configuration = try MPSConfiguration.load(arguments: args, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("mps: \(error)\n".utf8))
            return 2
        }
        args = Self.stripConfigArguments(args)
        let logger = Logger(label: "mps", level: LogLevel(name: configuration.logLevel.rawValue) ?? .info)
        let others: Set<String> = [
            "MPS_MIGRATIONS_DIR", "MPS_PUBLIC_DIR", "MPS_TEMPLATES_DIR", "MPS_TEST_LOG_LEVEL",
            "MPS_ARGON2_BENCH",
        ]
        for name in MPSConfiguration.unknownEnvironmentVariables(environment, others: others) {
            logger.warning("ignoring \(name): no such setting (see README, Configuration)")
        }
        do {
            let settings = try ServerSettings(configuration: configuration, environment: environment)
            switch args.first {
            case "--migrate":
                return try await Self.migrate(settings)
            case "--demo":
                let count = args.count > 1 ? Int(args[1]) : 5
                guard let count, count >= 0, count <= 20000 else {
                    FileHandle.standardError.write(Data("mps: --demo takes a count from 0 to 20000\n".utf8))
                    return 2
                }
                return try await Demo.main(settings, count: count, logger: logger)
            case "apikey":
                return try await Self.apiKey(Array(args.dropFirst()), settings)
            case "user":
                return try await Self.user(Array(args.dropFirst()), settings: settings)
            case "device":
                guard args.count == 3, args[1] == "import" else {
                    FileHandle.standardError.write(Data("usage: mps device import FILE\n".utf8))
                    return 2
                }
                return try await DeviceImport.run(file: args[2], settings: settings)
            case nil:
                return try await Self.serve(settings, logger: logger)
            default:
                FileHandle.standardError.write(Data("mps: unknown argument \(args[0])\n\(Self.usage)\n".utf8))
                return 2
            }
        } catch {
            FileHandle.standardError.write(Data("mps: \(error)\n".utf8))
            return 1
        }
    }

    /// Writes a line to standard output at once (unbuffered), so that output reaches a pipe or
    /// a log file in order with the log lines on standard error.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func stripConfigArguments(_ args: [String]) -> [String] {
        var out: [String] = []
        var skip = false
        for a in args {
            if skip { skip = false; continue }
            if a == "--config" { skip = true; continue }
            out.append(a)
        }
        return out
    }

    static func migrate(_ settings: ServerSettings) async throws -> Int32 {
        try FileManager.default.createDirectory(
            at: settings.dataDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let db = try Database.open(path: settings.dataDirectory.appendingPathComponent("mps.sqlite").path)
        defer { db.close() }
        let applied = try Migrator(database: db, directory: settings.migrationsDirectory).apply()
        if applied.isEmpty {
            Self.say("mps: database is current; no migrations to apply")
        } else {
            for name in applied { Self.say("applied \(name)") }
        }
        return 0
    }

    static func serve(_ settings: ServerSettings, logger: Logger) async throws -> Int32 {
        let server = try await Server.start(settings, logger: logger)
        await Signals.waitForTermination()
        await server.stop()
        return 0
    }

    static func apiKey(_ args: [String], _ settings: ServerSettings) async throws -> Int32 {
        let db = try Database.open(path: settings.dataDirectory.appendingPathComponent("mps.sqlite").path)
        defer { db.close() }
        guard try Migrator(database: db, directory: settings.migrationsDirectory).isCurrent() else {
            throw StartupError("database schema is not current: run `mps --migrate`")
        }
        let store = APIKeyStore(database: db)
        switch (args.first, args.count) {
        case ("create", 2):
            let key = try await store.create(name: args[1])
            Self.say(key.key)
            FileHandle.standardError.write(Data("mps: API key \(args[1]) created; it is shown only once\n".utf8))
        case ("list", 1):
            for info in try await store.list() {
                Self.say("\(info.name)\t\(info.prefix)…\tcreated \(info.createdAt)")
            }
        case ("revoke", 2):
            guard try await store.revoke(name: args[1]) else {
                FileHandle.standardError.write(Data("mps: no API key named \(args[1])\n".utf8))
                return 1
            }
            Self.say("revoked \(args[1])")
        default:
            FileHandle.standardError.write(Data("usage: mps apikey create NAME | list | revoke NAME\n".utf8))
            return 2
        }
        return 0
    }
}
