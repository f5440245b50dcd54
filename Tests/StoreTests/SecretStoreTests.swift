import Foundation
import PasswordHash
import SQLite
import Store
import Testing
import TestSupport

@Suite struct SecretStoreTests {
    let database: Database
    let devices: DeviceStore
    let secrets: SecretStore

    init() throws {
        self.database = try makeDatabase()
        self.devices = DeviceStore(database: self.database)
        self.secrets = SecretStore(
            database: self.database,
            masterKey: .random(),
            hashing: HashingPool(threads: 2),
            parameters: fastParameters
        )
    }

    /// B28: 8–16 compliant characters pass; 7, 17, 32 characters or a missing class fail.
    @Test func passwordPolicyMatrix() {
        #expect(MPSPasswordPolicy.isValid(password: "Aa1!aaaa"))  // 8
        #expect(MPSPasswordPolicy.isValid(password: "Aa1!aaaaaaaaaaaa"))  // 16
        #expect(!MPSPasswordPolicy.isValid(password: "Aa1!aaa"))  // 7
        #expect(!MPSPasswordPolicy.isValid(password: "Aa1!aaaaaaaaaaaaa"))  // 17
        #expect(!MPSPasswordPolicy.isValid(password: "Aa1!" + String(repeating: "a", count: 28)))  // 32
        #expect(!MPSPasswordPolicy.isValid(password: "Aa!aaaaaaaaa"))  // 12, no digit
        #expect(!MPSPasswordPolicy.isValid(password: "Aa1aaaaaaaaa"))  // 12, no special
        #expect(!MPSPasswordPolicy.isValid(password: "Aa1_aaaaaaaa"))  // '_' is not special
        #expect(!MPSPasswordPolicy.isValid(password: "aa1!aaaaaaaa"))  // no uppercase
        #expect(!MPSPasswordPolicy.isValid(password: "AA1!AAAAAAAA"))  // no lowercase
        #expect(!MPSPasswordPolicy.isValid(password: "Aa1!aaa:aaaa"))  // ':' refused
        #expect(!MPSPasswordPolicy.isValid(password: "Aa1!aaaaaaé"))  // not ASCII
        #expect(throws: StoreError.invalidPassword("must be 8 to 16 characters")) {
            try MPSPasswordPolicy.validate(password: "Aa1!aaa")
        }
    }

    /// Generated passwords are always 16 characters, valid, and different.
    @Test func generatedPasswordsAreValid() {
        var seen = Set<String>()
        for _ in 0..<500 {
            let password = SecretStore.generateMPSPassword()
            #expect(password.count == 16 && MPSPasswordPolicy.isValid(password: password))
            seen.insert(password)
        }
        #expect(seen.count == 500)
    }

    /// Only a hash is stored; the right pair verifies, wrong halves do not.
    @Test func setAndVerifyMPSCredentials() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields())
        try await self.secrets.setMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa")
        let stored = try await self.database.read { db in
            try db.queryFirst("SELECT mps_password_hash FROM device_secrets") { $0.string(0) } ?? nil
        }
        #expect(stored?.hasPrefix("$argon2id$") == true && stored?.contains("Aa1!") == false)
        #expect(try await self.devices.get(guidA)?.mpsusername == "admin")
        #expect(
            await self.secrets.verifyMPSCredentials(
                guid: guidA.uppercased(),
                username: "admin",
                password: "Aa1!aaaaaaaa"
            )
        )
        #expect(
            await !self.secrets.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaab")
        )
        #expect(
            await !self.secrets.verifyMPSCredentials(guid: guidA, username: "Admin", password: "Aa1!aaaaaaaa")
        )
        #expect(
            await !self.secrets.verifyMPSCredentials(guid: guidB, username: "admin", password: "Aa1!aaaaaaaa")
        )
        #expect(
            await !self.secrets.verifyMPSCredentials(guid: "x", username: "admin", password: "Aa1!aaaaaaaa")
        )
        await #expect(throws: StoreError.invalidPassword("must be 8 to 16 characters")) {
            try await self.secrets.setMPSCredentials(
                guid: guidA,
                username: "admin",
                password: String(repeating: "Aa1!", count: 8)
            )
        }
        await #expect(throws: StoreError.deviceNotFound) {
            try await self.secrets.setMPSCredentials(guid: guidB, username: "admin", password: "Aa1!aaaaaaaa")
        }
    }

    /// The verified-credential cache answers repeat verifies fast, and changing the password
    /// invalidates it at once.
    @Test func cacheHitAndInvalidation() async throws {
        let slow = SecretStore(
            database: self.database,
            masterKey: .random(),
            hashing: HashingPool(threads: 1),
            parameters: .webUser
        )
        _ = try await self.devices.upsert(guidA, DeviceFields())
        try await slow.setMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa")
        let cold = ContinuousClock.now
        #expect(await slow.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa"))
        let coldTime = ContinuousClock.now - cold
        // Cached verifies are a few task hops each: time the task pool was stalled (a loaded
        // machine) is left out of them. The argon2 run above is wall time, so only longer.
        let (_, warmTotal) = await measureExcludingStalls {
            for _ in 0..<20 {
                #expect(await slow.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa"))
            }
        }
        let warmTime = warmTotal / 20
        #expect(warmTime * 5 < coldTime, "cached verify \(warmTime) vs argon2 \(coldTime)")
        #expect(await !slow.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaab"))
        try await slow.setMPSCredentials(guid: guidA, username: "admin", password: "Bb2@bbbbbbbb")
        #expect(await !slow.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa"))
        #expect(await slow.verifyMPSCredentials(guid: guidA, username: "admin", password: "Bb2@bbbbbbbb"))
        // Changing the username through the device API also stops the old pair.
        _ = try await self.devices.patch(guidA, DeviceFields(mpsusername: "other"))
        #expect(await !slow.verifyMPSCredentials(guid: guidA, username: "admin", password: "Bb2@bbbbbbbb"))
    }

    /// AMT credentials round-trip encrypted; the stored blob is not the plaintext.
    @Test func amtCredentialsRoundTrip() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields())
        #expect(try await self.secrets.amtCredentials(guid: guidA) == nil)
        try await self.secrets.setAMTCredentials(guid: guidA, username: "admin", password: "P@ssw0rd-AMT")
        let credentials = try await self.secrets.amtCredentials(guid: guidA.uppercased())
        #expect(credentials == AMTCredentials(username: "admin", password: "P@ssw0rd-AMT"))
        #expect(
            !"\(credentials!)".contains("P@ssw0rd") && !String(reflecting: credentials!).contains("P@ssw0rd")
        )
        var dumped = ""
        dump(credentials!, to: &dumped)
        #expect(!dumped.contains("P@ssw0rd"))
        let blob = try await self.database.read { db in
            try db.queryFirst("SELECT amt_password_enc FROM device_secrets") { $0.blob(0) } ?? nil
        }
        #expect(blob?.count == 12 + 12 + 16 && !String(decoding: blob!, as: UTF8.self).contains("P@ssw0rd"))
    }

    /// A ciphertext moved to another device's row, or read with another master key, fails.
    @Test func movedOrForeignCiphertextFails() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields())
        _ = try await self.devices.upsert(guidB, DeviceFields())
        try await self.secrets.setAMTCredentials(guid: guidA, username: "admin", password: "P@ssw0rd-A")
        try await self.database.write { db in
            try db.run(
                "INSERT INTO device_secrets (guid, amt_username, amt_password_enc, updated_at) "
                    + "SELECT ?, amt_username, amt_password_enc, updated_at FROM device_secrets WHERE guid = ?",
                [.text(guidB), .text(guidA)]
            )
        }
        await #expect(throws: StoreError.secretUnreadable) {
            try await self.secrets.amtCredentials(guid: guidB)
        }
        let other = SecretStore(
            database: self.database,
            masterKey: .random(),
            hashing: HashingPool(threads: 1)
        )
        await #expect(throws: StoreError.secretUnreadable) { try await other.amtCredentials(guid: guidA) }
    }

    /// B40: deleting the device removes every secret, and the old MPS credentials stop working.
    @Test func deleteCascadesSecrets() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields())
        try await self.secrets.setMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa")
        try await self.secrets.setAMTCredentials(guid: guidA, username: "admin", password: "P@ssw0rd")
        #expect(
            await self.secrets.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa")
        )
        #expect(try await self.devices.delete(guidA.uppercased()))
        #expect(try await self.devices.get(guidA) == nil)
        let left = try await self.database.read { db in
            try db.queryFirst("SELECT COUNT(*) FROM device_secrets") { $0.int(0) }
        }
        #expect(left == 0)
        #expect(
            await !self.secrets.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa")
        )
        #expect(try await self.secrets.amtCredentials(guid: guidA) == nil)
        #expect(try await !self.devices.delete(guidA))
        // Re-adding the GUID does not bring the old credentials back.
        _ = try await self.devices.upsert(guidA, DeviceFields())
        #expect(
            await !self.secrets.verifyMPSCredentials(guid: guidA, username: "admin", password: "Aa1!aaaaaaaa")
        )
    }

    /// deleteAll removes the secrets but keeps the device.
    @Test func deleteAllKeepsDevice() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields())
        try await self.secrets.setAMTCredentials(guid: guidA, username: "admin", password: "P@ssw0rd")
        #expect(try await self.secrets.deleteAll(guid: guidA))
        #expect(try await self.secrets.amtCredentials(guid: guidA) == nil)
        #expect(try await self.devices.exists(guidA))
    }
}
