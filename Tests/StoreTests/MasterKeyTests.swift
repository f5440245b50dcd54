import Foundation
import Store
import Testing

@Suite struct MasterKeyTests {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
            ?? -1
    }

    /// A missing key file is created with mode 0600 and 32 bytes; loading again gives the same key.
    @Test func createsThenLoads() throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("sub/master.key").path
        _ = try MasterKey.loadOrCreate(path: path)
        #expect(try self.mode(path) == 0o600)
        let first = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(first.count == 32)
        _ = try MasterKey.loadOrCreate(path: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: (path as NSString).deletingLastPathComponent
        )
        #expect(leftovers == ["master.key"])
    }

    /// A group/world-readable key file is refused with a clear error, and left untouched.
    @Test func refusesReadableByOthers() throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("master.key").path
        let bytes = Data((0..<32).map { UInt8($0) })
        try bytes.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let error = try #require(throws: MasterKeyError.self) { try MasterKey.loadOrCreate(path: path) }
        #expect(error.description.contains("mode 644") && error.description.contains(path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }

    /// A key file of the wrong size is refused, never regenerated.
    @Test func refusesWrongSize() throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("master.key").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let error = try #require(throws: MasterKeyError.self) { try MasterKey.loadOrCreate(path: path) }
        #expect(error.description.contains("3 bytes"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
        #expect(throws: MasterKeyError.self) { try MasterKey.load(path: path + ".missing") }
    }

    /// Inline keys: 64 hex digits or base64 of 32 bytes; descriptions never show the key.
    @Test func encodedKeysAndRedaction() throws {
        let hexKey = String(repeating: "ab", count: 32)
        let key = try MasterKey(encoded: hexKey)
        let base64 = Data(repeating: 0xab, count: 32).base64EncodedString()
        _ = try MasterKey(encoded: base64 + "\n")
        #expect(throws: MasterKeyError.self) { try MasterKey(encoded: "abcd") }
        #expect(throws: MasterKeyError.self) { try MasterKey(bytes: [1]) }
        var dumped = ""
        dump(key, to: &dumped)
        #expect(
            "\(key)" == "MasterKey(<redacted>)" && !dumped.contains("171")
                && !dumped.lowercased().contains("ab,")
        )
    }
}
