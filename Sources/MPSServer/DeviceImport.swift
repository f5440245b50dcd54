public import Foundation
internal import JSON
internal import PasswordHash
internal import Store

/// `mps device import FILE`: registers devices and their credentials in bulk from a JSON array
/// (the same shape the simulator's `--fleet` file uses):
/// `[{"guid": "...", "hostname": "...", "tags": ["..."], "mpsUsername": "...",
///    "mpsPassword": "...", "amtUsername": "admin", "amtPassword": "..."}]`.
/// Passwords are hashed (MPS) or encrypted (AMT) on the way in; nothing is echoed.
enum DeviceImport {
    struct Entry: Decodable {
        let guid: String
        let hostname: String?
        let tags: [String]?
        let mpsUsername: String?
        let mpsPassword: String?
        let amtUsername: String?
        let amtPassword: String?
    }

    static func run(file: String, settings: ServerSettings) async throws -> Int32 {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StartupError("cannot read \(file)")
        }
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: data)
        } catch {
            throw StartupError("\(file) is not a JSON array of devices: \(Self.summary(error))")
        }
        let db = try Database.open(path: settings.dataDirectory.appendingPathComponent("mps.sqlite").path)
        defer { db.close() }
        guard try Migrator(database: db, directory: settings.migrationsDirectory).isCurrent() else {
            throw StartupError("database schema is not current: run `mps --migrate`")
        }
        let key: MasterKey
        if let encoded = settings.masterKeyEncoded {
            key = try MasterKey(encoded: encoded)
        } else {
            key = try MasterKey.loadOrCreate(
                path: settings.masterKeyPath ?? settings.dataDirectory.appendingPathComponent("master.key").path)
        }
        let devices = DeviceStore(database: db)
        let secrets = SecretStore(database: db, masterKey: key, hashing: HashingPool(threads: 2))
        var imported = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for (index, entry) in entries.enumerated() {
                if running >= 8 {
                    try await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    do {
                        try await Self.importOne(entry, devices: devices, secrets: secrets)
                    } catch {
                        throw StartupError("device \(index + 1) (\(entry.guid)): \(error)")
                    }
                }
            }
            try await group.waitForAll()
            imported = entries.count
        }
        print("imported \(imported) devices")
        return 0
    }

    private static func importOne(_ e: Entry, devices: DeviceStore, secrets: SecretStore) async throws {
        var fields = DeviceFields()
        if let hostname = e.hostname { fields.hostname = .some(hostname) }
        if let tags = e.tags { fields.tags = tags }
        _ = try await devices.upsert(e.guid, fields)
        if let user = e.mpsUsername, let password = e.mpsPassword {
            try await secrets.setMPSCredentials(guid: e.guid, username: user, password: password)
        }
        if let password = e.amtPassword {
            try await secrets.setAMTCredentials(guid: e.guid, username: e.amtUsername ?? "admin", password: password)
        }
    }

    /// A decoding error without any value from the file (it may hold passwords).
    private static func summary(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "unreadable" }
        switch e {
        case .keyNotFound(let key, let c): return "missing \(key.stringValue) at \(Self.path(c))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong type at \(Self.path(c))"
        case .dataCorrupted(let c): return "invalid JSON at \(Self.path(c))"
        @unknown default: return "unreadable"
        }
    }

    private static func path(_ c: DecodingError.Context) -> String {
        c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
