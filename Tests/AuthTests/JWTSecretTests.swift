import Auth
import Foundation
import Testing

@Suite struct JWTSecretTests {
    /// The secret file is created once with mode 0600 and 32 random bytes, then reused.
    @Test func createsOnceWith0600() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("data/jwt.key").path
        let first = try JWTSecret.loadOrCreate(path: path)
        #expect(first.count == 32 && Set(first).count > 8)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try JWTSecret.loadOrCreate(path: path) == first)
        #expect(
            try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("data").path
            )
                == ["jwt.key"]
        )
        let other = try JWTSecret.loadOrCreate(
            path: directory.appendingPathComponent("other.key").path
        )
        #expect(other != first)
    }

    /// An unsafe or damaged file is an error and is left as it is.
    @Test func refusesUnsafeFiles() throws {
        let directory = try makeTemporaryDirectory()
        let open = directory.appendingPathComponent("open.key").path
        _ = FileManager.default.createFile(
            atPath: open,
            contents: Data(repeating: 1, count: 32),
            attributes: [.posixPermissions: 0o644]
        )
        #expect(throws: AuthError.self) { try JWTSecret.loadOrCreate(path: open) }
        let short = directory.appendingPathComponent("short.key").path
        _ = FileManager.default.createFile(
            atPath: short,
            contents: Data(repeating: 1, count: 31),
            attributes: [.posixPermissions: 0o600]
        )
        #expect(throws: AuthError.self) { try JWTSecret.loadOrCreate(path: short) }
        #expect(FileManager.default.contents(atPath: short)?.count == 31)
        #expect(throws: AuthError.self) { try JWTSecret.loadOrCreate(path: directory.path) }
    }

    /// A configured secret is used as its UTF-8 bytes and must be at least 32 bytes.
    @Test func configuredSecret() throws {
        #expect(try JWTSecret.configured(String(repeating: "s", count: 32)).count == 32)
        #expect(throws: AuthError.secret("jwt_secret must be at least 32 bytes")) {
            try JWTSecret.configured("short")
        }
        do {
            _ = try JWTSecret.configured("hunter2")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}
