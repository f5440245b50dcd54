import Crypto
import Foundation
import Synchronization

/// Remembers, per device, that a CIRA username and password were verified against the stored
/// argon2 hash, so a reconnect costs one HMAC instead of one argon2 run.
///
/// An entry is 48 bytes held inline in the table (the device GUID as a 16-byte `UUID`, a 32-byte HMAC under a
/// per-process key over username, password and the stored hash); no strings or arrays per
/// device, since a fleet of 10,000 idle devices keeps one entry each for life. Changing the
/// stored hash invalidates the entry, because the HMAC no longer matches.
final class VerifiedCredentials: Sendable {
    private let key = SecureRandom.bytes(32)
    private let table = Mutex<[UUID: MAC]>([:])

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
        guard let device = UUID(uuidString: guid), let cached = self.table.withLock({ $0[device] }) else {
            return false
        }
        return cached.matches(mac)
    }

    func remember(_ guid: String, _ mac: MAC) {
        guard let device = UUID(uuidString: guid) else { return }
        self.table.withLock { $0[device] = mac }
    }

    func forget(_ guid: String) {
        guard let device = UUID(uuidString: guid) else { return }
        _ = self.table.withLock { $0.removeValue(forKey: device) }
    }

    /// Entries held (for tests).
    var count: Int { self.table.withLock { $0.count } }
}
