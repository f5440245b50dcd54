/// What `mps user add|passwd|remove|list` do, for the CLI to call and print.
///
/// There is no default user and no default password: a server starts with no web users, and
/// an operator adds the first one with `mps user add NAME`. Password changes and removals end
/// the user's sessions in the database; a running server notices within
/// `SessionStore.Configuration.touchInterval`.
public struct UserCommands: Sendable {
    public let users: UserStore
    public let sessions: SessionStore

    public init(users: UserStore, sessions: SessionStore) {
        self.users = users
        self.sessions = sessions
    }

    /// Adds `name` with a password from `passwordSource`, checked against `PasswordRule`.
    /// - Throws: `AuthError` (invalid name, duplicate, weak password, unreadable input, storage).
    @discardableResult
    public func add(name: String, passwordSource: PasswordSource) async throws(AuthError) -> User {
        try UserName.validate(name)
        // We check before prompting so nobody types a password for a name that cannot be added.
        if try await self.users.find(name: name) != nil { throw AuthError.duplicateName }
        let password = try passwordSource.read(prompt: "Password for \(name): ")
        return try await self.users.add(name: name, password: password)
    }

    /// Sets a new password for `name` and ends all of its sessions; returns how many ended.
    @discardableResult
    public func passwd(name: String, passwordSource: PasswordSource) async throws(AuthError) -> Int
    {
        guard try await self.users.find(name: name) != nil else { throw AuthError.userNotFound }
        let password = try passwordSource.read(prompt: "New password for \(name): ")
        let user = try await self.users.setPassword(name: name, password: password)
        return try await self.sessions.revokeAll(userID: user.id)
    }

    /// Removes `name` and its sessions.
    @discardableResult
    public func remove(name: String) async throws(AuthError) -> User {
        let user = try await self.users.remove(name: name)
        try await self.sessions.revokeAll(userID: user.id)
        return user
    }

    public func list() async throws(AuthError) -> [User] { try await self.users.list() }
}
