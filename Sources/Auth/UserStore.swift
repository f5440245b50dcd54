import Crypto
public import Foundation
public import PasswordHash
import SQLite
public import Store
import Synchronization

/// Web users in the `web_users` table, with argon2id password hashes.
///
/// Hashing and verification run on the injected `HashingPool`, never on the caller's thread.
/// Passwords are normalised to Unicode NFC first, so the same password typed on two systems
/// that compose accents differently still matches. This type does not end sessions: callers
/// that change or remove a user also call `SessionStore.revokeAll(userID:)` (see `AuthService`).
public final class UserStore: Sendable {
    /// The minimum cost accepted for web-user hashes: the OWASP argon2id floor.
    public static let minimumParameters = Argon2Parameters.webUser

    private let database: Database
    private let hashing: HashingPool
    private let parameters: Argon2Parameters
    private let now: @Sendable () -> Date
    /// A hash of a random password, verified against when the user does not exist, so a login
    /// for an unknown name costs the same time as one for a known name.
    private let dummyHash = Mutex<String?>(nil)

    /// - Parameter parameters: argon2id costs; values below `minimumParameters` are raised to it.
    public init(
        database: Database,
        hashing: HashingPool,
        parameters: Argon2Parameters = .webUser,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.hashing = hashing
        let floor = Self.minimumParameters
        self.parameters = Argon2Parameters(
            memoryKiB: max(parameters.memoryKiB, floor.memoryKiB),
            iterations: max(parameters.iterations, floor.iterations),
            parallelism: max(parameters.parallelism, floor.parallelism)
        )
        self.now = now
    }

    /// Adds a user after checking the name and `PasswordRule`.
    /// - Throws: `AuthError.invalidName`, `.weakPassword`, `.duplicateName`, `.hashing`, `.storage`.
    @discardableResult
    public func add(name: String, password: String) async throws(AuthError) -> User {
        try UserName.validate(name)
        try PasswordRule.check(password)
        let hash = try await self.hash(password)
        let created = self.now()
        let stamp = Timestamp.format(created)
        do {
            return try await self.database.write { connection in
                try connection.run(
                    """
                    INSERT INTO web_users (name, password_hash, created_at, updated_at, disabled)
                    VALUES (?, ?, ?, ?, 0)
                    """,
                    [.text(name), .text(hash), .text(stamp), .text(stamp)]
                )
                return User(
                    id: connection.lastInsertRowID,
                    name: name,
                    createdAt: created,
                    updatedAt: created,
                    disabled: false
                )
            }
        } catch let error as SQLiteError where error.reason == .constraint {
            throw AuthError.duplicateName
        } catch {
            throw AuthError.wrap(error)
        }
    }

    /// Replaces the password of `name` after checking `PasswordRule`.
    /// - Throws: `AuthError.weakPassword`, `.userNotFound`, `.hashing`, `.storage`.
    @discardableResult
    public func setPassword(name: String, password: String) async throws(AuthError) -> User {
        try PasswordRule.check(password)
        let hash = try await self.hash(password)
        return try await self.update(name: name, set: "password_hash = ?", [.text(hash)])
    }

    /// Disables or re-enables `name`; a disabled user cannot log in or use tokens.
    @discardableResult
    public func setDisabled(name: String, _ disabled: Bool) async throws(AuthError) -> User {
        try await self.update(name: name, set: "disabled = ?", [.integer(disabled ? 1 : 0)])
    }

    /// Deletes `name` and, through the foreign key, its sessions rows. Returns the removed user.
    /// - Throws: `AuthError.userNotFound`, `.storage`.
    @discardableResult
    public func remove(name: String) async throws(AuthError) -> User {
        let found: User?
        do {
            found = try await self.database.write { connection in
                let user = try Self.lookup(connection, name: name)?.user
                if let user {
                    try connection.run("DELETE FROM web_users WHERE id = ?", [.integer(user.id)])
                }
                return user
            }
        } catch {
            throw AuthError.wrap(error)
        }
        guard let found else { throw AuthError.userNotFound }
        return found
    }

    /// Every user, by name.
    public func list() async throws(AuthError) -> [User] {
        do {
            return try await self.database.read { connection in
                try connection.query(
                    "SELECT id, name, created_at, updated_at, disabled, password_hash FROM web_users ORDER BY name"
                ) { try Self.row($0).user }
            }
        } catch {
            throw AuthError.wrap(error)
        }
    }

    /// The user called `name` (ignoring case), or nil.
    public func find(name: String) async throws(AuthError) -> User? {
        guard UserName.isValid(name) else { return nil }
        do {
            return try await self.database.read { try Self.lookup($0, name: name)?.user }
        } catch {
            throw AuthError.wrap(error)
        }
    }

    /// The user with this id, or nil.
    public func find(id: Int64) async throws(AuthError) -> User? {
        do {
            return try await self.database.read { connection in
                try connection.queryFirst(
                    "SELECT id, name, created_at, updated_at, disabled, password_hash FROM web_users WHERE id = ?",
                    [.integer(id)]
                ) { try Self.row($0).user }
            }
        } catch {
            throw AuthError.wrap(error)
        }
    }

    /// The enabled user whose name and password match, else nil.
    ///
    /// An unknown or disabled name, a malformed name or a storage failure also runs one argon2
    /// verify (against a dummy hash), so the answer time does not tell whether the name exists.
    /// The final comparison inside libargon2 is constant time.
    public func verify(name: String, password: String) async -> User? {
        let password = password.precomposedStringWithCanonicalMapping
        var found: (user: User, hash: String)?
        if UserName.isValid(name) {
            found = try? await self.database.read { try Self.lookup($0, name: name) }
        }
        guard let found, !found.user.disabled else {
            if let dummy = await self.dummy() {
                _ = await self.hashing.verify(password, encoded: dummy)
            }
            return nil
        }
        return await self.hashing.verify(password, encoded: found.hash) ? found.user : nil
    }

    // MARK: - Internals

    private func hash(_ password: String) async throws(AuthError) -> String {
        do {
            return try await self.hashing.hash(
                password.precomposedStringWithCanonicalMapping,
                params: self.parameters
            )
        } catch {
            throw AuthError.hashing("\(error)")
        }
    }

    private func dummy() async -> String? {
        if let hash = self.dummyHash.withLock({ $0 }) { return hash }
        guard
            let hash = try? await self.hashing.hash(
                SecureRandom.hexToken(bytes: 16),
                params: self.parameters
            )
        else { return nil }
        self.dummyHash.withLock { stored in if stored == nil { stored = hash } }
        return hash
    }

    private func update(name: String, set assignment: String, _ values: [SQLiteValue])
        async throws(AuthError)
        -> User
    {
        let stamp = self.now()
        let found: User?
        do {
            found = try await self.database.write { connection in
                guard let user = try Self.lookup(connection, name: name)?.user else { return nil }
                try connection.run(
                    "UPDATE web_users SET \(assignment), updated_at = ? WHERE id = ?",
                    values + [.text(Timestamp.format(stamp)), .integer(user.id)]
                )
                return try Self.lookup(connection, name: name)?.user
            }
        } catch {
            throw AuthError.wrap(error)
        }
        guard let found else { throw AuthError.userNotFound }
        return found
    }

    private static func lookup(_ connection: SQLiteConnection, name: String) throws -> (
        user: User, hash: String
    )? {
        try connection.queryFirst(
            "SELECT id, name, created_at, updated_at, disabled, password_hash FROM web_users WHERE name = ?",
            [.text(name)]
        ) { try Self.row($0) }
    }

    private static func row(_ row: SQLiteRow) throws -> (user: User, hash: String) {
        guard let created = Timestamp.parse(try row.requireString(2, "web_users.created_at")),
            let updated = Timestamp.parse(try row.requireString(3, "web_users.updated_at"))
        else { throw StoreError.corruptRow("web_users timestamps") }
        let user = User(
            id: try row.requireInt64(0, "web_users.id"),
            name: try row.requireString(1, "web_users.name"),
            createdAt: created,
            updatedAt: updated,
            disabled: try row.requireInt64(4, "web_users.disabled") != 0
        )
        return (user, try row.requireString(5, "web_users.password_hash"))
    }
}
