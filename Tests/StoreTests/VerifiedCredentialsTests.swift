import Foundation
import Testing

@testable import Store

@Suite struct VerifiedCredentialsTests {
    let guid = "8a1b2c3d-0000-4000-8000-00000000beef"

    /// A device key is the GUID's 128 bits: case does not matter, anything else is refused.
    @Test func deviceKeys() throws {
        let key = try #require(UUID(uuidString: self.guid))
        #expect(key.uuid.0 == 0x8a && key.uuid.3 == 0x3d && key.uuid.14 == 0xbe && key.uuid.15 == 0xef)
        #expect(UUID(uuidString: self.guid.uppercased()) == key)
        let malformed = [
            "", "x", "8a1b2c3d-0000-4000-8000-00000000bee", "8a1b2c3d-0000-4000-8000-00000000beefa",
            "8a1b2c3d-0000-4000-8000-00000000beeg",
        ]
        for bad in malformed {
            #expect(UUID(uuidString: bad) == nil, "\(bad)")
        }
    }

    /// Remembered only for the same username, password and stored hash, and until forgotten.
    @Test func remembersOneVerification() {
        let cache = VerifiedCredentials()
        let mac = cache.mac(username: "dev", password: "Pa55-word!", storedHash: "$argon2id$a")
        #expect(!cache.contains(self.guid, mac))
        cache.remember(self.guid, mac)
        #expect(cache.contains(self.guid, mac) && cache.count == 1)
        #expect(!cache.contains("8a1b2c3d-0000-4000-8000-00000000beee", mac))
        let hash = "$argon2id$a"
        let rehashed = cache.mac(username: "dev", password: "Pa55-word!", storedHash: hash + "b")
        let otherPassword = cache.mac(username: "dev", password: "Pa55-word?", storedHash: hash)
        let shifted = cache.mac(username: "devP", password: "a55-word!", storedHash: hash)
        for other in [rehashed, otherPassword, shifted] { #expect(!cache.contains(self.guid, other)) }
        cache.forget(self.guid)
        #expect(!cache.contains(self.guid, mac) && cache.count == 0)
    }
}
