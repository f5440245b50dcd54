internal import CArgon2

/// Why hashing failed. Never carries the password.
public struct PasswordHashError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "password hashing failed: \(self.message)" }
}

/// argon2id hashing in the PHC string format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
///
/// These calls block for the whole hash (milliseconds to tens of milliseconds); run them on
/// `HashingPool`, never on an event loop or the Swift cooperative pool.
public enum PasswordHasher {
    public static let saltLength = 16
    public static let hashLength = 32
    /// Longer inputs are refused outright so nobody can make us hash megabytes.
    public static let maximumPasswordBytes = 4096

    /// Hashes `password` with a fresh random salt.
    public static func hash(_ password: String, params: Argon2Parameters) throws(PasswordHashError) -> String
    {
        guard params.isWithinLimits else { throw PasswordHashError("parameters out of range: \(params)") }
        let pwd = Array(password.utf8)
        guard pwd.count <= Self.maximumPasswordBytes else { throw PasswordHashError("password too long") }
        var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG on Linux
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let length =
            argon2_encodedlen(
                params.iterations,
                params.memoryKiB,
                params.parallelism,
                UInt32(Self.saltLength),
                UInt32(Self.hashLength),
                Argon2_id
            ) + 1
        var encoded = [CChar](repeating: 0, count: length)
        let code = pwd.withUnsafeBytes { p in
            salt.withUnsafeBytes { s in
                argon2id_hash_encoded(
                    params.iterations,
                    params.memoryKiB,
                    params.parallelism,
                    p.baseAddress,
                    p.count,
                    s.baseAddress,
                    s.count,
                    Self.hashLength,
                    &encoded,
                    encoded.count
                )
            }
        }
        guard code == ARGON2_OK.rawValue else {
            throw PasswordHashError(String(cString: argon2_error_message(code)))
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when `password` matches `encoded`. A malformed hash, a hash of another argon2
    /// variant, or one whose parameters are out of our limits gives false, never a crash.
    /// The final comparison inside libargon2 is constant time.
    public static func verify(_ password: String, encoded: String) -> Bool {
        guard let params = self.parameters(of: encoded), params.isWithinLimits else { return false }
        let pwd = Array(password.utf8)
        guard pwd.count <= Self.maximumPasswordBytes else { return false }
        let code = pwd.withUnsafeBytes { p in
            encoded.withCString { argon2id_verify($0, p.baseAddress, p.count) }
        }
        return code == ARGON2_OK.rawValue
    }

    /// The cost parameters written in a PHC argon2id string, or nil if it is not one.
    public static func parameters(of encoded: String) -> Argon2Parameters? {
        guard encoded.utf8.count <= 512, !encoded.utf8.contains(0) else { return nil }
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        guard fields.count == 6, fields[0].isEmpty, fields[1] == "argon2id", fields[2] == "v=19" else {
            return nil
        }
        var values: [Substring: UInt32] = [:]
        for pair in fields[3].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[1].allSatisfy(\.isASCII), let number = UInt32(parts[1]),
                values[parts[0]] == nil
            else { return nil }
            values[parts[0]] = number
        }
        guard values.count == 3, let m = values["m"], let t = values["t"], let p = values["p"] else {
            return nil
        }
        return Argon2Parameters(memoryKiB: m, iterations: t, parallelism: p)
    }
}
