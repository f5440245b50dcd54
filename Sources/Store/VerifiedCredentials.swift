import Crypto
import Synchronization

/// Remembers, per device, that a CIRA username and password were verified against the stored
/// argon2 hash, so a reconnect costs one HMAC instead of one argon2 run.
///
/// An entry is 48 bytes held inline in the table (a 16-byte device key, a 32-byte HMAC under a
/// per-process key over username, password and the stored hash); no strings or arrays per
/// device, since a fleet of 10,000 idle devices keeps one entry each for life. Changing the
/// stored hash invalidates the entry, because the HMAC no longer matches.
final class VerifiedCredentials: Sendable {
    private let key = SecureRandom.bytes(32)
    private let table = Mutex<[DeviceKey: MAC]>([:])

    /// A canonical GUID as two 64-bit halves of its 32 hex digits.
    struct DeviceKey: Hashable {
        let high: UInt64
        let low: UInt64

        init?(_ guid: String) {
            var high: UInt64 = 0
            var low: UInt64 = 0
            var digits = 0
            for unit in guid.utf8 where unit != UInt8(ascii: "-") {
                guard let value = Self.hexValue(unit), digits < 32 else { return nil }
                if digits < 16 { high = high << 4 | value } else { low = low << 4 | value }
                digits += 1
            }
            guard digits == 32 else { return nil }
            (self.high, self.low) = (high, low)
        }

        private static func hexValue(_ unit: UInt8) -> UInt64? {
            switch unit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(unit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(unit - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(unit - UInt8(ascii: "A") + 10)
            default: nil
            }
        }
    }

    /// An HMAC-SHA256 value, compared in constant time.
    struct MAC {
        let words: (UInt64, UInt64, UInt64, UInt64)

        init(_ bytes: [UInt8]) {
            precondition(bytes.count == 32, "HMAC-SHA256 is 32 bytes")
            var w: [UInt64] = [0, 0, 0, 0]
            for (index, byte) in bytes.enumerated() {
                w[index / 8] = w[index / 8] << 8 | UInt64(byte)
            }
            self.words = (w[0], w[1], w[2], w[3])
        }

        func matches(_ other: MAC) -> Bool {
            let difference = (self.words.0 ^ other.words.0) | (self.words.1 ^ other.words.1)
                | (self.words.2 ^ other.words.2) | (self.words.3 ^ other.words.3)
            return difference == 0
        }
    }

    /// The HMAC of one verification: username, password and the stored hash they matched,
    /// each length-prefixed so ("ab", "c") and ("a", "bc") never collide.
    func mac(username: String, password: String, storedHash: String) -> MAC {
        var message: [UInt8] = []
        for part in [username, password, storedHash] {
            let bytes = Array(part.utf8)
            message += withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init) + bytes
        }
        return MAC(Hash.hmacSHA256(key: self.key, data: message))
    }

    /// True when `mac` was remembered for `guid`.
    func contains(_ guid: String, _ mac: MAC) -> Bool {
        guard let device = DeviceKey(guid), let cached = self.table.withLock({ $0[device] }) else {
            return false
        }
        return cached.matches(mac)
    }

    func remember(_ guid: String, _ mac: MAC) {
        guard let device = DeviceKey(guid) else { return }
        self.table.withLock { $0[device] = mac }
    }

    func forget(_ guid: String) {
        guard let device = DeviceKey(guid) else { return }
        _ = self.table.withLock { $0.removeValue(forKey: device) }
    }

    /// Entries held (for tests).
    var count: Int { self.table.withLock { $0.count } }
}
