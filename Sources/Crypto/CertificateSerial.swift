/// Certificate serial numbers as RFC 5280 §4.1.2.2 wants them (field fault B15).
///
/// A serial is the content octets of a DER INTEGER: positive, non-zero, at most 20 octets,
/// with no redundant leading zero octet. Raw random bytes break this about half the time
/// (top bit set reads as negative), which strict parsers reject.
public enum CertificateSerial {
    /// Random octets before minimal encoding: 128 bits less the sign bit.
    public static let randomByteCount = 16

    /// A fresh serial: 16 CSPRNG bytes with the top bit cleared, non-zero, minimally encoded.
    public static func random() -> [UInt8] {
        // All-zero has probability 2^-127; the bound only keeps the loop finite.
        for _ in 0..<8 {
            var bytes = SecureRandom.bytes(randomByteCount)
            bytes[0] &= 0x7f
            guard bytes.contains(where: { $0 != 0 }) else { continue }
            let minimal = minimalEncoding(bytes)
            precondition(isValid(minimal), "serial encoding broke its own rule")
            return minimal
        }
        preconditionFailure("the random generator returned zeros repeatedly")
    }

    /// True if `contents` is a positive, non-zero, minimally encoded INTEGER of ≤ 20 octets.
    public static func isValid(_ contents: [UInt8]) -> Bool {
        guard let first = contents.first, contents.count <= 20 else { return false }
        if first & 0x80 != 0 { return false }  // negative
        if contents.count > 1, first == 0, contents[1] & 0x80 == 0 { return false }  // padded
        return contents.contains { $0 != 0 }
    }

    /// Drops leading zero octets that DER does not need (the value stays positive).
    static func minimalEncoding(_ bytes: [UInt8]) -> [UInt8] {
        var start = 0
        while start + 1 < bytes.count, bytes[start] == 0, bytes[start + 1] & 0x80 == 0 {
            start += 1
        }
        return Array(bytes[start...])
    }
}
