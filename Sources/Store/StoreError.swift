/// Failures of the store layer that callers act on. SQLite failures pass through as
/// `SQLiteError`. No case ever carries a password, key or other secret.
public enum StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database has been closed.
    case closed
    /// Not a UUID in the 8-4-4-4-12 hex form.
    case invalidGUID
    case deviceNotFound
    /// The GUID is registered to a different tenant.
    case tenantConflict
    /// A paging or filter value out of range; the text names it.
    case invalidQuery(String)
    /// The MPS password breaks AMT's rules (field fault B28); the text says which rule.
    case invalidPassword(String)
    case invalidUsername(String)
    case invalidName(String)
    case duplicateName
    /// A stored secret failed authentication: wrong master key, or the row was altered or moved.
    case secretUnreadable
    /// A stored row does not have the shape we wrote; the text names the column.
    case corruptRow(String)

    public var description: String {
        switch self {
        case .closed: "the database is closed"
        case .invalidGUID: "the GUID is not a UUID"
        case .deviceNotFound: "no such device"
        case .tenantConflict: "the device belongs to another tenant"
        case .invalidQuery(let what): "invalid query: \(what)"
        case .invalidPassword(let why): "invalid MPS password: \(why)"
        case .invalidUsername(let why): "invalid MPS username: \(why)"
        case .invalidName(let why): "invalid name: \(why)"
        case .duplicateName: "the name is already in use"
        case .secretUnreadable: "a stored secret could not be decrypted"
        case .corruptRow(let what): "corrupt stored value: \(what)"
        }
    }
}
