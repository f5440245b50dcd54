internal import COpenSSL

/// Message digests, HMAC, secure random bytes and constant-time comparison.
public enum Hash {
    public static func md5(_ data: some Collection<UInt8>) -> [UInt8] { digest(EVP_md5(), data) }
    public static func sha1(_ data: some Collection<UInt8>) -> [UInt8] { digest(EVP_sha1(), data) }
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] { digest(EVP_sha256(), data) }

    public static func md5Hex(_ text: String) -> String { hex(md5(Array(text.utf8))) }

    /// HMAC-SHA-256 of `data` under `key`.
    public static func hmacSHA256(key: [UInt8], data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        let bytes = Array(data)
        key.withUnsafeBufferPointer { k in
            bytes.withUnsafeBufferPointer { d in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &out, &len)
            }
        }
        return Array(out.prefix(Int(len)))
    }

    private static func digest(_ md: OpaquePointer?, _ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        let bytes = Array(data)
        let ok = bytes.withUnsafeBufferPointer { d in
            EVP_Digest(d.baseAddress, d.count, &out, &len, md, nil)
        }
        precondition(ok == 1, "EVP_Digest failed for a built-in digest")
        return Array(out.prefix(Int(len)))
    }
}

public enum SecureRandom {
    /// `count` bytes from OpenSSL's CSPRNG. Crashes only if the CSPRNG itself is broken.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        precondition(ok == 1, "RAND_bytes failed: the system random generator is unavailable")
        return out
    }

    /// A random token as lowercase hex (2 characters per byte).
    public static func hexToken(bytes count: Int) -> String { hex(bytes(count)) }
}

/// Compares two byte strings in time that depends only on their lengths, never on content.
/// Different lengths compare unequal without an early exit on content.
public func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    let x = Array(a), y = Array(b)
    if x.count != y.count {
        // Still touch the bytes so the time depends on the lengths only.
        var sink: UInt8 = 1
        for byte in x { sink |= byte & 0 }
        return sink == 0
    }
    let r = x.withUnsafeBufferPointer { xp in
        y.withUnsafeBufferPointer { yp in CRYPTO_memcmp(xp.baseAddress, yp.baseAddress, xp.count) }
    }
    return r == 0
}

public func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    constantTimeEqual(Array(a.utf8), Array(b.utf8))
}

/// Lowercase hex of bytes.
public func hex(_ bytes: some Collection<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
