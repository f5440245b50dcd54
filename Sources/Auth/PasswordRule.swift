/// The strength rule for web-user passwords, checked when a password is set (never at login).
///
/// 8 to 128 characters, at least one uppercase letter, one lowercase letter, one digit and one
/// symbol (any character that is not a letter, digit or whitespace). Letters may be any script's
/// letters with case; control characters are refused, and so is leading or trailing whitespace,
/// which is nearly always a copy-and-paste accident. It deliberately does not consult a list
/// of breached passwords.
public enum PasswordRule {
    public static let minimumLength = 8
    public static let maximumLength = 128
    /// Bounds the UTF-8 size too, well under the hasher's own limit.
    public static let maximumBytes = 1024

    /// - Throws: `AuthError.weakPassword` naming the first rule that fails (never the password).
    public static func check(_ password: String) throws(AuthError) {
        let count = password.count
        guard count >= Self.minimumLength else {
            throw AuthError.weakPassword("must be at least \(Self.minimumLength) characters")
        }
        guard count <= Self.maximumLength, password.utf8.count <= Self.maximumBytes else {
            throw AuthError.weakPassword("must be at most \(Self.maximumLength) characters")
        }
        let scalars = password.unicodeScalars
        guard !scalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AuthError.weakPassword("must not contain control characters")
        }
        guard let first = scalars.first, let last = scalars.last,
            !first.properties.isWhitespace, !last.properties.isWhitespace
        else { throw AuthError.weakPassword("must not start or end with whitespace") }
        guard scalars.contains(where: { $0.properties.isUppercase }) else {
            throw AuthError.weakPassword("needs an uppercase letter")
        }
        guard scalars.contains(where: { $0.properties.isLowercase }) else {
            throw AuthError.weakPassword("needs a lowercase letter")
        }
        guard scalars.contains(where: { $0.properties.numericType == .decimal }) else {
            throw AuthError.weakPassword("needs a digit")
        }
        guard scalars.contains(where: Self.isSymbol) else {
            throw AuthError.weakPassword("needs a symbol (punctuation or another non-letter)")
        }
    }

    public static func isAcceptable(_ password: String) -> Bool {
        (try? Self.check(password)) != nil
    }

    private static func isSymbol(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return !properties.isAlphabetic && properties.numericType == nil && !properties.isWhitespace
    }
}
