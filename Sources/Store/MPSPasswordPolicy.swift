import Crypto

/// AMT's rules for the MPS (CIRA) credentials configured into a device (field fault B28).
///
/// Password: 8 to 16 printable ASCII characters, with at least one uppercase letter, one
/// lowercase letter, one digit and one special character. Like AMT we do not count `_` as
/// special, and we refuse space, `"`, `,` and `:` anywhere because AMT rejects or mis-parses
/// them. Username: 1 to 16 printable ASCII characters without those four (AMT's limit is
/// stricter than the 64 bytes the APF header allows).
public enum MPSPasswordPolicy {
    public static let minimumLength = 8
    public static let maximumLength = 16
    public static let maximumUsernameLength = 16
    /// The specials we use when generating; any other allowed punctuation is accepted.
    static let generatedSpecials = Array("!#$%&*+-.=?@^".utf8)
    static let forbidden: Set<UInt8> = [
        UInt8(ascii: " "), UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: ":"),
    ]

    /// - Throws: `StoreError.invalidPassword` naming the rule that failed (never the password).
    public static func validate(password: String) throws(StoreError) {
        let bytes = Array(password.utf8)
        guard bytes.count == password.count, bytes.allSatisfy({ (0x21...0x7e).contains($0) || $0 == 0x20 })
        else {
            throw StoreError.invalidPassword("only printable ASCII characters are allowed")
        }
        guard (Self.minimumLength...Self.maximumLength).contains(bytes.count) else {
            throw StoreError.invalidPassword(
                "must be \(Self.minimumLength) to \(Self.maximumLength) characters"
            )
        }
        guard !bytes.contains(where: Self.forbidden.contains) else {
            throw StoreError.invalidPassword("must not contain space, '\"', ',' or ':'")
        }
        guard bytes.contains(where: Self.isUpper) else {
            throw StoreError.invalidPassword("needs an uppercase letter")
        }
        guard bytes.contains(where: Self.isLower) else {
            throw StoreError.invalidPassword("needs a lowercase letter")
        }
        guard bytes.contains(where: Self.isDigit) else { throw StoreError.invalidPassword("needs a digit") }
        guard bytes.contains(where: Self.isSpecial) else {
            throw StoreError.invalidPassword("needs a special character (not '_')")
        }
    }

    public static func isValid(password: String) -> Bool {
        (try? self.validate(password: password)) != nil
    }

    /// - Throws: `StoreError.invalidUsername`.
    public static func validate(username: String) throws(StoreError) {
        let bytes = Array(username.utf8)
        guard (1...Self.maximumUsernameLength).contains(bytes.count) else {
            throw StoreError.invalidUsername("must be 1 to \(Self.maximumUsernameLength) characters")
        }
        guard bytes.allSatisfy({ (0x21...0x7e).contains($0) && !Self.forbidden.contains($0) }) else {
            throw StoreError.invalidUsername("only printable ASCII without '\"', ',' or ':' is allowed")
        }
    }

    /// A 16-character password with every class, drawn uniformly from the CSPRNG, then shuffled.
    /// About 98 bits of entropy.
    public static func generate() -> String {
        let upper = Array(UInt8(ascii: "A")...UInt8(ascii: "Z"))
        let lower = Array(UInt8(ascii: "a")...UInt8(ascii: "z"))
        let digits = Array(UInt8(ascii: "0")...UInt8(ascii: "9"))
        let all = upper + lower + digits + Self.generatedSpecials
        var chars = [upper, lower, digits, Self.generatedSpecials].map { Self.pick(from: $0) }
        while chars.count < Self.maximumLength { chars.append(Self.pick(from: all)) }
        // Fisher–Yates, so the guaranteed characters do not sit at fixed positions.
        for index in stride(from: chars.count - 1, to: 0, by: -1) {
            chars.swapAt(index, Self.uniform(below: index + 1))
        }
        return String(decoding: chars, as: UTF8.self)
    }

    private static func pick(from alphabet: [UInt8]) -> UInt8 {
        alphabet[Self.uniform(below: alphabet.count)]
    }

    /// A uniform integer in 0..<bound from the CSPRNG, by rejection sampling (bound ≤ 256).
    private static func uniform(below bound: Int) -> Int {
        precondition(bound > 0 && bound <= 256)
        let limit = 256 - 256 % bound
        while true {
            let byte = Int(SecureRandom.bytes(1)[0])
            if byte < limit { return byte % bound }
        }
    }

    private static func isUpper(_ b: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) }
    private static func isLower(_ b: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }
    private static func isSpecial(_ b: UInt8) -> Bool {
        (0x21...0x7e).contains(b) && !Self.isUpper(b) && !Self.isLower(b) && !Self.isDigit(b)
            && b != UInt8(ascii: "_") && !Self.forbidden.contains(b)
    }
}
