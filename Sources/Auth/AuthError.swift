/// Failures of the auth layer that callers act on or show to an operator.
///
/// No case ever carries a password, token, secret or hash. Storage failures carry the store's
/// own description, which names tables and constraints but never bound values.
public enum AuthError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A web-user name outside 1–64 characters of `[A-Za-z0-9._@-]`; the text says why.
    case invalidName(String)
    /// The password breaks `PasswordRule`; the text names the rule.
    case weakPassword(String)
    /// Another user already has this name (names compare case-insensitively).
    case duplicateName
    case userNotFound
    /// The password could not be read (no input, too long, the two entries differ).
    case passwordInput(String)
    /// The JWT secret is missing, too short, or its file is unsafe or unreadable.
    case secret(String)
    /// argon2 failed or the hashing pool is overloaded.
    case hashing(String)
    /// The database failed; the text is the store's description.
    case storage(String)

    public var description: String {
        switch self {
        case .invalidName(let why): "invalid user name: \(why)"
        case .weakPassword(let why): "password rejected: \(why)"
        case .duplicateName: "a user with that name already exists"
        case .userNotFound: "no such user"
        case .passwordInput(let why): "cannot read the password: \(why)"
        case .secret(let why): "token secret: \(why)"
        case .hashing(let why): "password hashing failed: \(why)"
        case .storage(let why): "storage error: \(why)"
        }
    }

    /// Wraps any store or SQLite failure without adding bound values.
    static func wrap(_ error: any Error) -> AuthError {
        if let error = error as? AuthError { return error }
        return .storage("\(error)")
    }
}
