public import Foundation

/// A web user as the server may show it: never the password or its hash.
public struct User: Sendable, Equatable, Codable, CustomStringConvertible {
    public let id: Int64
    /// The name as it was added (lookups ignore case).
    public let name: String
    public let createdAt: Date
    /// The last change of password or of `disabled`. Bearer tokens issued before it are refused.
    public let updatedAt: Date
    public let disabled: Bool

    public init(id: Int64, name: String, createdAt: Date, updatedAt: Date, disabled: Bool) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.disabled = disabled
    }

    public var description: String {
        "User(\(self.id), \(self.name)\(self.disabled ? ", disabled" : ""))"
    }
}
