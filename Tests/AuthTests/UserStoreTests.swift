import Auth
import Foundation
import PasswordHash
import Store
import Synchronization
import Testing

@Suite struct UserStoreTests {
    let database: Database
    let users: UserStore

    init() throws {
        self.database = try makeDatabase()
        self.users = UserStore(database: self.database, hashing: HashingPool(threads: 2))
    }

    /// The stored hash is argon2id with at least m=19 MiB, t=2, p=1, and holds no password text.
    @Test func storesArgon2idAtWebCost() async throws {
        let user = try await self.users.add(name: "Admin", password: strongPassword)
        #expect(user.name == "Admin" && !user.disabled)
        let stored = try await self.database.read { db in
            try db.query("SELECT * FROM web_users") { row in
                (0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|")
            }
        }
        #expect(stored.count == 1 && !stored[0].contains(strongPassword))
        let hash = try #require(
            try await self.database.read { db in
                try db.queryFirst("SELECT password_hash FROM web_users") { $0.string(0) } ?? nil
            }
        )
        #expect(hash.hasPrefix("$argon2id$v=19$"))
        let params = try #require(PasswordHasher.parameters(of: hash))
        #expect(params.memoryKiB >= 19 * 1024 && params.iterations >= 2 && params.parallelism == 1)
        // A weaker configured cost is raised to the floor.
        let cheap = UserStore(
            database: self.database,
            hashing: HashingPool(threads: 1),
            parameters: Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)
        )
        try await cheap.add(name: "second", password: strongPassword)
        let second = try #require(
            try await self.database.read { db in
                try db.queryFirst("SELECT password_hash FROM web_users WHERE name = 'second'") {
                    $0.string(0)
                } ?? nil
            }
        )
        #expect(PasswordHasher.parameters(of: second) == Argon2Parameters.webUser)
    }

    /// Right password (any case of the name) verifies; a wrong one, a disabled or an unknown
    /// user does not.
    @Test func verifies() async throws {
        try await self.users.add(name: "Admin", password: strongPassword)
        #expect(await self.users.verify(name: "admin", password: strongPassword)?.name == "Admin")
        #expect(await self.users.verify(name: "ADMIN", password: strongPassword) != nil)
        #expect(await self.users.verify(name: "admin", password: "Correct-Horse-8") == nil)
        #expect(await self.users.verify(name: "admin", password: "") == nil)
        #expect(await self.users.verify(name: "nobody", password: strongPassword) == nil)
        #expect(await self.users.verify(name: "bad name!", password: strongPassword) == nil)
        try await self.users.setDisabled(name: "admin", true)
        #expect(await self.users.verify(name: "admin", password: strongPassword) == nil)
    }

    /// An unknown user still costs an argon2 verify, so timing does not reveal the name.
    @Test func unknownUserRunsDummyVerify() async throws {
        let clock = ContinuousClock()
        _ = await self.users.verify(name: "warmup", password: strongPassword)  // creates the dummy hash
        let unknown = await clock.measure {
            _ = await self.users.verify(name: "nobody", password: "x")
        }
        let invalid = await clock.measure {
            _ = await self.users.verify(name: "bad name", password: "x")
        }
        // One 19 MiB, t=2 argon2id pass takes well over 5 ms; a bare lookup takes well under.
        #expect(unknown > .milliseconds(5), "\(unknown)")
        #expect(invalid > .milliseconds(5), "\(invalid)")
    }

    /// Names are unique ignoring case; bad names and weak passwords are refused before hashing.
    @Test func addRules() async throws {
        try await self.users.add(name: "ops", password: strongPassword)
        await #expect(throws: AuthError.duplicateName) {
            try await self.users.add(name: "OPS", password: strongPassword)
        }
        await #expect(throws: AuthError.self) {
            try await self.users.add(name: "a b", password: strongPassword)
        }
        await #expect(throws: AuthError.weakPassword("needs a digit")) {
            try await self.users.add(name: "x", password: "Abcdefgh!")
        }
        #expect(try await self.users.list().map(\.name) == ["ops"])
    }

    /// setPassword replaces the hash and bumps updated_at; remove deletes; unknown names throw.
    @Test func changeAndRemove() async throws {
        let clock = Clock(epoch)
        let users = UserStore(
            database: self.database,
            hashing: HashingPool(threads: 2),
            now: { clock.now }
        )
        let added = try await users.add(name: "ops", password: strongPassword)
        clock.advance(10)
        let changed = try await users.setPassword(name: "OPS", password: "New-Pass-word-2")
        #expect(changed.id == added.id && changed.updatedAt == epoch.addingTimeInterval(10))
        #expect(await users.verify(name: "ops", password: strongPassword) == nil)
        #expect(await users.verify(name: "ops", password: "New-Pass-word-2")?.id == added.id)
        await #expect(throws: AuthError.weakPassword("needs an uppercase letter")) {
            try await users.setPassword(name: "ops", password: "lowercase-only-1")
        }
        await #expect(throws: AuthError.userNotFound) {
            try await users.setPassword(name: "ghost", password: strongPassword)
        }
        #expect(try await users.remove(name: "ops").id == added.id)
        await #expect(throws: AuthError.userNotFound) { try await users.remove(name: "ops") }
        #expect(try await users.list().isEmpty)
    }
}

/// A settable clock for injected `now` closures.
final class Clock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { self.value = Mutex(start) }
    var now: Date { self.value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { self.value.withLock { $0 += seconds } }
}
