public import Auth
internal import Foundation
internal import PasswordHash
internal import Store

/// `mps user add|passwd|remove|list`: web users in the store, with no running server needed.
/// Passwords come from standard input (a hidden, repeated prompt on a terminal; the first
/// line of a pipe), never from the command line; `add` and `passwd` enforce `PasswordRule`.
extension CommandLineTool {
    static let userUsage = "usage: mps user add NAME | passwd NAME | remove NAME | list"

    /// Runs a `user` subcommand; `args` starts after `user`.
    public static func user(
        _ args: [String], settings: ServerSettings, passwordSource: PasswordSource = .standardInput
    ) async throws -> Int32 {
        let db = try Database.open(path: settings.dataDirectory.appendingPathComponent("mps.sqlite").path)
        defer { db.close() }
        guard try Migrator(database: db, directory: settings.migrationsDirectory).isCurrent() else {
            throw StartupError("database schema is not current: run `mps --migrate`")
        }
        let hashing = HashingPool(threads: 1)
        let commands = UserCommands(
            users: UserStore(database: db, hashing: hashing), sessions: SessionStore(database: db))
        do {
            switch (args.first, args.count) {
            case ("add", 2):
                let user = try await commands.add(name: args[1], passwordSource: passwordSource)
                Self.say("added user \(user.name)")
            case ("passwd", 2):
                let ended = try await commands.passwd(name: args[1], passwordSource: passwordSource)
                Self.say("password changed for \(args[1]); \(ended) session(s) ended")
            case ("remove", 2):
                let user = try await commands.remove(name: args[1])
                Self.say("removed user \(user.name)")
            case ("list", 1):
                for user in try await commands.list() {
                    Self.say("\(user.name)\(user.disabled ? "\tdisabled" : "")")
                }
            default:
                FileHandle.standardError.write(Data((Self.userUsage + "\n").utf8))
                return 2
            }
        } catch {
            FileHandle.standardError.write(Data("mps: \(error)\n".utf8))
            return 1
        }
        return 0
    }

    /// A random password that satisfies `PasswordRule`, for the demo's admin.
    static func randomPassword() -> String {
        SecretStore.generateMPSPassword() + "aA1-"
    }
}
