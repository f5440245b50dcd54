internal import CArgon2
internal import Foundation

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

    /// Frees the memory block this thread keeps between verifications (see VerifyMemory).
    public static func releaseThreadMemory() { VerifyMemory.release() }

    /// Bytes of the block this thread keeps between verifications (0: none).
    public static var threadMemoryBytes: Int { VerifyMemory.bytes }

    /// True when `password` matches `encoded`. A malformed hash, a hash of another argon2
    /// variant, or one whose parameters are out of our limits gives false, never a crash.
    /// The final comparison inside libargon2 is constant time.
    public static func verify(_ password: String, encoded: String) -> Bool {
        guard let params = self.parameters(of: encoded), params.isWithinLimits else { return false }
        var pwd = Array(password.utf8)
        guard pwd.count <= Self.maximumPasswordBytes else { return false }
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 6, var salt = Self.base64NoPadding(fields[4]),
            let expected = Self.base64NoPadding(fields[5]),
            (8...64).contains(salt.count), (16...64).contains(expected.count)
        else { return false }
        var out = [UInt8](repeating: 0, count: expected.count)
        let code = expected.withUnsafeBufferPointer { hash in
            out.withUnsafeMutableBufferPointer { o in
                pwd.withUnsafeMutableBufferPointer { pw in
                    salt.withUnsafeMutableBufferPointer { sa in
                        var ctx = argon2_context()
                        ctx.out = o.baseAddress
                        ctx.outlen = UInt32(o.count)
                        ctx.pwd = pw.baseAddress
                        ctx.pwdlen = UInt32(pw.count)
                        ctx.salt = sa.baseAddress
                        ctx.saltlen = UInt32(sa.count)
                        ctx.t_cost = params.iterations
                        ctx.m_cost = params.memoryKiB
                        ctx.lanes = params.parallelism
                        ctx.threads = params.parallelism
                        ctx.version = UInt32(ARGON2_VERSION_13.rawValue)
                        ctx.flags = 0  // ARGON2_DEFAULT_FLAGS
                        ctx.allocate_cbk = VerifyMemory.allocate
                        ctx.free_cbk = VerifyMemory.deallocate
                        return hash.withMemoryRebound(to: CChar.self) {
                            argon2id_verify_ctx(&ctx, $0.baseAddress)
                        }
                    }
                }
            }
        }
        return code == ARGON2_OK.rawValue
    }

    /// Decodes the unpadded base64 of PHC strings; nil for anything else.
    static func base64NoPadding(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 128,
            text.utf8.allSatisfy({ $0 == 0x2B || $0 == 0x2F || (0x30...0x39).contains($0)
                || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        let padded = String(text) + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        return Data(base64Encoded: padded).map(Array.init)
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
