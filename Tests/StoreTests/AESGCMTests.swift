import Crypto
import Testing

@Suite struct AESGCMTests {
    let key = SecureRandom.bytes(32)

    /// Seal then open returns the plaintext; the sealed form is nonce + ciphertext + tag.
    @Test func roundTrip() throws {
        let sealed = try AESGCM.seal(
            key: self.key,
            plaintext: Array("P@ssw0rd".utf8),
            aad: Array("row-1".utf8)
        )
        #expect(sealed.count == 12 + 8 + 16)
        #expect(
            try AESGCM.open(key: self.key, sealed: sealed, aad: Array("row-1".utf8)) == Array("P@ssw0rd".utf8)
        )
        let empty = try AESGCM.seal(key: self.key, plaintext: [], aad: [])
        #expect(try AESGCM.open(key: self.key, sealed: empty, aad: []) == [])
    }

    /// Two seals of the same plaintext differ (fresh nonce each time).
    @Test func noncesAreFresh() throws {
        let a = try AESGCM.seal(key: self.key, plaintext: [1, 2, 3], aad: [])
        let b = try AESGCM.seal(key: self.key, plaintext: [1, 2, 3], aad: [])
        #expect(a.prefix(12) != b.prefix(12) && a != b)
    }

    /// Any flipped bit, wrong AAD, wrong key or truncation is an error.
    @Test func tamperingIsDetected() throws {
        let sealed = try AESGCM.seal(
            key: self.key,
            plaintext: Array("secret".utf8),
            aad: Array("guid-a".utf8)
        )
        for index in sealed.indices {
            var bad = sealed
            bad[index] ^= 0x01
            #expect(throws: CryptoError.self) {
                try AESGCM.open(key: self.key, sealed: bad, aad: Array("guid-a".utf8))
            }
        }
        #expect(throws: CryptoError.self) {
            try AESGCM.open(key: self.key, sealed: sealed, aad: Array("guid-b".utf8))
        }
        #expect(throws: CryptoError.self) {
            try AESGCM.open(key: SecureRandom.bytes(32), sealed: sealed, aad: Array("guid-a".utf8))
        }
        #expect(throws: CryptoError.self) {
            try AESGCM.open(key: self.key, sealed: Array(sealed.prefix(27)), aad: [])
        }
        #expect(throws: CryptoError.self) { try AESGCM.seal(key: [1, 2, 3], plaintext: [], aad: []) }
    }

    /// NIST GCM test vector (AES-256, 96-bit IV): opening a known ciphertext gives the known plaintext.
    @Test func knownVectorOpens() throws {
        // gcmEncryptExtIV256.rsp, Count 0 of [Keylen = 256][IVlen = 96][PTlen = 128][AADlen = 128][Taglen = 128]
        let key = bytes("92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b")
        let iv = bytes("ac93a1a6145299bde902f21a")
        let pt = bytes("2d71bcfa914e4ac045b2aa60955fad24")
        let aad = bytes("1e0889016f67601c8ebea4943bc23ad6")
        let ct = bytes("8995ae2e6df3dbf96fac7b7137bae67f")
        let tag = bytes("eca5aa77d51d4a0a14d9c51e1da474ab")
        #expect(try AESGCM.open(key: key, sealed: iv + ct + tag, aad: aad) == pt)
    }
}

func bytes(_ hexText: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hexText.startIndex
    while index < hexText.endIndex {
        let next = hexText.index(index, offsetBy: 2)
        out.append(UInt8(hexText[index..<next], radix: 16)!)
        index = next
    }
    return out
}
