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
    struct Entry {
        var guid: String
        var hostname: String?
        var tags: [String]?
        var mpsUsername: String?
        var mpsPassword: String?
        var amtUsername: String?
        var amtPassword: String?
    }

    static let keys: Set<String> = [
        "guid", "hostname", "tags", "mpsUsername", "mpsPassword", "amtUsername", "amtPassword",
    ]

    static func run(file: String, settings: ServerSettings) async throws -> Int32 {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StartupError("cannot read \(file)")
        }
        let entries = try Self.parse(Array(data), file: file)
        // Everything is checked before anything is written: a bad entry imports nothing.
        for (index, e) in entries.enumerated() {
            do {
                guard GUID.normalize(e.guid) != nil else { throw StoreError.invalidGUID }
                if let user = e.mpsUsername { try MPSPasswordPolicy.validate(username: user) }
                if let password = e.mpsPassword { try MPSPasswordPolicy.validate(password: password) }
                if (e.mpsUsername == nil) != (e.mpsPassword == nil) {
                    throw StartupError("give both mpsUsername and mpsPassword, or neither")
                }
            } catch {
                throw StartupError("\(file): device \(index + 1) (\(e.guid)): \(error); nothing was imported")
            }
        }
        let db = try Database.open(path: settings.dataDirectory.appendingPathComponent("mps.sqlite").path)
        defer { db.close() }
        guard try Migrator(database: db, directory: settings.migrationsDirectory).isCurrent() else {
            throw StartupError("database schema is not current: run `mps --migrate`")
        }
        let key = try settings.loadMasterKey(logger: nil)
        let devices = DeviceStore(database: db)
        let secrets = SecretStore(database: db, masterKey: key, hashing: HashingPool(threads: 2))
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
        }
        CommandLineTool.say("imported \(entries.count) device\(entries.count == 1 ? "" : "s")")
        return 0
    }

    /// Strict reading: an unknown key is an error (a misspelt `mpspassword` must not import a
    /// device without credentials). Values from the file are never echoed: they may be secrets.
    static func parse(_ bytes: [UInt8], file: String) throws -> [Entry] {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw StartupError("\(file) is not valid JSON (\(error))")
        }
        guard let items = json.arrayValue else { throw StartupError("\(file) must hold a JSON array of devices") }
        var entries: [Entry] = []
        for (index, item) in items.enumerated() {
            let place = "\(file): device \(index + 1)"
            guard let members = item.members else { throw StartupError("\(place) is not an object") }
            if let unknown = members.map(\.key).first(where: { !Self.keys.contains($0) }) {
                throw StartupError(
                    "\(place): unknown key \"\(unknown)\" (known: \(Self.keys.sorted().joined(separator: ", ")))")
            }
            func text(_ key: String) throws -> String? {
                guard let v = item[key], !v.isNull else { return nil }
                guard case .string(let s) = v else { throw StartupError("\(place): \(key) must be a string") }
                return s
            }
            guard let guid = try text("guid") else { throw StartupError("\(place): guid is required") }
            var tags: [String]?
            if let t = item["tags"] {
                guard let list = t.arrayValue, list.allSatisfy({ if case .string = $0 { true } else { false } }) else {
                    throw StartupError("\(place): tags must be an array of strings")
                }
                tags = list.compactMap(\.stringValue)
            }
            entries.append(Entry(
                guid: guid, hostname: try text("hostname"), tags: tags,
                mpsUsername: try text("mpsUsername"), mpsPassword: try text("mpsPassword"),
                amtUsername: try text("amtUsername"), amtPassword: try text("amtPassword")))
        }
        return entries
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
}
