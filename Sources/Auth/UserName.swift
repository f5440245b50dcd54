/// The rule for web-user names: 1 to 64 characters from `[A-Za-z0-9._@-]`.
///
/// Names are compared case-insensitively (the column is `COLLATE NOCASE`), and the restricted
/// alphabet keeps names safe to log and to show without escaping.
public enum UserName {
    public static let maximumLength = 64

    /// - Throws: `AuthError.invalidName` saying which part of the rule failed.
    public static func validate(_ name: String) throws(AuthError) {
        let bytes = Array(name.utf8)
        guard (1...Self.maximumLength).contains(bytes.count) else {
            throw AuthError.invalidName("must be 1 to \(Self.maximumLength) characters")
        }
        guard bytes.allSatisfy(Self.isAllowed) else {
            throw AuthError.invalidName("only letters, digits and . _ @ - are allowed")
        }
    }

    public static func isValid(_ name: String) -> Bool { (try? Self.validate(name)) != nil }

    /// The name when it is valid, else a placeholder with its length, for logs: a mistyped login
    /// may carry a password in the name field, and only valid names can be logged as they are.
    public static func loggable(_ name: String) -> String {
        Self.isValid(name) ? name : "<invalid name, \(name.utf8.count) bytes>"
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "@"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
