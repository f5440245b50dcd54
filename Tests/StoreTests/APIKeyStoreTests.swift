import Foundation
import Store
import Testing

@Suite struct APIKeyStoreTests {
    let database: Database
    let keys: APIKeyStore

    init() throws {
        self.database = try makeDatabase()
        self.keys = APIKeyStore(database: self.database)
    }

    /// A created key verifies; the store keeps only its hash and prefix.
    @Test func createVerifyList() async throws {
        let created = try await self.keys.create(name: "ci")
        #expect(created.key.hasPrefix("mps_") && created.key.count == 47)
        #expect(!"\(created)".contains(created.key))
        let info = try #require(await self.keys.verify(presented: created.key))
        #expect(info.name == "ci" && info.prefix == String(created.key.prefix(12)) && info.lastUsedAt != nil)
        #expect(try await self.keys.list().map(\.name) == ["ci"])
        let stored = try await self.database.read { db in
            try db.query("SELECT name, key_hash, prefix FROM api_keys") { row in
                [
                    row.string(0) ?? "", String(decoding: row.blob(1) ?? [], as: UTF8.self),
                    row.string(2) ?? "",
                ]
            }
        }
        #expect(stored.count == 1 && !stored[0].joined().contains(created.key))
        await #expect(throws: StoreError.duplicateName) { try await self.keys.create(name: "ci") }
        await #expect(throws: StoreError.self) { try await self.keys.create(name: "") }
    }

    /// B35: empty, 1 char, wrong last byte, 64 KB and non-ASCII inputs are all nil, never a crash.
    @Test func wrongKeysAreNil() async throws {
        let created = try await self.keys.create(name: "ci")
        var lastByte = Array(created.key.utf8)
        lastByte[lastByte.count - 1] =
            lastByte.last == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let inputs = [
            "", "m", String(decoding: lastByte, as: UTF8.self), String(repeating: "k", count: 65_536),
            "mps_é☃\u{0}\u{7f}", created.key + " ", String(created.key.dropLast()),
        ]
        for input in inputs { #expect(await self.keys.verify(presented: input) == nil) }
        #expect(await self.keys.verify(presented: created.key) != nil)
    }

    /// A revoked key stops working at once; a second store on the same database loads keys.
    @Test func revokeAndReload() async throws {
        let a = try await self.keys.create(name: "a")
        let b = try await self.keys.create(name: "b")
        let fresh = APIKeyStore(database: self.database)
        #expect(await fresh.verify(presented: a.key)?.name == "a")
        #expect(try await self.keys.revoke(name: "a"))
        #expect(await self.keys.verify(presented: a.key) == nil)
        #expect(await self.keys.verify(presented: b.key)?.name == "b")
        #expect(try await !self.keys.revoke(name: "a"))
        #expect(await APIKeyStore(database: self.database).verify(presented: a.key) == nil)
    }
}
