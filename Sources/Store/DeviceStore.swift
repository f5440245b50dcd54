public import Foundation
internal import JSON
import SQLite

/// Registered devices: REST CRUD and the CIRA layer's connection bookkeeping.
///
/// Every GUID argument is normalised to lowercase first (field fault B05); a non-UUID throws
/// `StoreError.invalidGUID` (or gives false/nil where the method answers a yes/no question).
/// One row per GUID: re-registering updates it (B39). Deleting a device deletes its secrets
/// through the foreign key (B40).
public final class DeviceStore: Sendable {
    public let database: Database
    /// Recently read devices, so that a busy `GET /devices/{guid}` does not cost a database
    /// round trip per request. Every write through this store invalidates it at once; writes
    /// by another process (`mps device import`) are seen within `DeviceReadCache.lifetime`.
    /// Any write through this process's `Database` (devices, secrets) invalidates it at once.
    let cache: DeviceReadCache

    public init(database: Database) {
        self.database = database
        self.cache = DeviceReadCache(database: database)
    }


    static let columns = """
        guid, hostname, tags, mps_instance, connection_status, mps_username, tenant_id, friendly_name,
        dns_suffix, last_connected, last_seen, last_disconnected, device_info
        """

    /// One page of devices matching `query`, ordered by GUID, and how many match in total.
    /// Frees what the read cache holds past its lifetime (the server calls it when it trims).
    public func trimCaches() { self.cache.dropExpired() }

    /// - Throws: `StoreError.invalidQuery` for a negative `top` or `skip`.
    public func list(_ query: DeviceQuery) async throws -> DeviceList {
        guard query.top >= 0 else { throw StoreError.invalidQuery("top must be 0 or more") }
        guard query.skip >= 0 else { throw StoreError.invalidQuery("skip must be 0 or more") }
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let tenant = query.tenantId {
            conditions.append("tenant_id = ?")
            values.append(.text(tenant))
        }
        if let hostname = query.hostname {
            conditions.append("hostname = ?")
            values.append(.text(hostname))
        }
        if let friendlyName = query.friendlyName {
            conditions.append("friendly_name = ?")
            values.append(.text(friendlyName))
        }
        if let status = query.status {
            conditions.append("connection_status = ?")
            values.append(SQLiteValue(status))
        }
        let tags = Array(Set(query.tags)).sorted()
        if !tags.isEmpty {
            let tagExists = "EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE json_each.value = ?)"
            switch query.tagMatch {
            case .all:
                conditions.append(contentsOf: tags.map { _ in tagExists })
            case .any:
                let marks = tags.map { _ in "?" }.joined(separator: ", ")
                conditions.append(
                    "EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE json_each.value IN (\(marks)))"
                )
            }
            values.append(contentsOf: tags.map { .text($0) })
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let page = "SELECT \(Self.columns) FROM devices\(filter) ORDER BY guid LIMIT ? OFFSET ?"
        let count = "SELECT COUNT(*) FROM devices\(filter)"
        let pageValues =
            values + [.integer(Int64(min(query.top, DeviceQuery.maximumTop))), .integer(Int64(query.skip))]
        let filterValues = values
        return try await self.database.read { connection in
            let devices = try connection.query(page, pageValues, Self.device(from:))
            let total = try connection.queryFirst(count, filterValues) { $0.int(0) ?? 0 } ?? 0
            return DeviceList(devices: devices, totalCount: total)
        }
    }

    public func get(_ guid: String) async throws -> Device? {
        let guid = try GUID.require(guid)
        if let cached = self.cache.lookup(guid) { return cached }
        let generation = self.cache.generation
        let device = try await self.database.read { connection in try Self.fetch(guid, connection) }
        self.cache.store(guid, device, generation: generation)
        return device
    }

    /// True when the GUID is registered: the admission check at APF PROTOCOLVERSION.
    public func exists(_ guid: String) async throws -> Bool {
        guard let guid = GUID.normalize(guid) else { return false }
        return try await self.database.read { connection in
            try connection.queryFirst("SELECT 1 FROM devices WHERE guid = ?", [.text(guid)]) { _ in true }
                ?? false
        }
    }

    /// Creates the device, or updates it when the GUID is already registered (in any case form).
    /// A new device starts disconnected, in tenant `fields.tenantId ?? ""`.
    /// - Returns: the stored device and whether it was created.
    /// - Throws: `StoreError.tenantConflict` when `fields.tenantId` names a different tenant
    ///   from the existing row's: one tenant cannot take over another's device.
    public func upsert(_ guid: String, _ fields: DeviceFields) async throws -> (device: Device, created: Bool)
    {
        let guid = try GUID.require(guid)
        return try await self.database.write { connection in
            if var device = try Self.fetch(guid, connection) {
                if let tenant = fields.tenantId, tenant != device.tenantId { throw StoreError.tenantConflict }
                fields.apply(to: &device)
                try Self.update(device, connection)
                return (device, false)
            }
            var device = Device(guid: guid)
            fields.apply(to: &device)
            try Self.insert(device, connection)
            return (device, true)
        }
    }

    /// Applies `fields` to an existing device; nil when the GUID is not registered.
    /// - Throws: `StoreError.tenantConflict` as for `upsert`.
    public func patch(_ guid: String, _ fields: DeviceFields) async throws -> Device? {
        let guid = try GUID.require(guid)
        return try await self.database.write { connection in
            guard var device = try Self.fetch(guid, connection) else { return nil }
            if let tenant = fields.tenantId, tenant != device.tenantId { throw StoreError.tenantConflict }
            fields.apply(to: &device)
            try Self.update(device, connection)
            return device
        }
    }

    /// Deletes the device and, through the foreign key, all of its secrets. False if absent.
    public func delete(_ guid: String) async throws -> Bool {
        let guid = try GUID.require(guid)
        return try await self.database.write { connection in
            try connection.run("DELETE FROM devices WHERE guid = ?", [.text(guid)]) > 0
        }
    }

    /// Device counts, for one tenant or (nil) all.
    public func stats(tenantId: String? = nil) async throws -> DeviceStats {
        let filter = tenantId == nil ? "" : " WHERE tenant_id = ?"
        let values: [SQLiteValue] = tenantId.map { [.text($0)] } ?? []
        return try await self.database.read { connection in
            try connection.queryFirst(
                "SELECT COUNT(*), COALESCE(SUM(connection_status), 0) FROM devices\(filter)",
                values
            ) { row in
                let total = row.int(0) ?? 0
                let connected = row.int(1) ?? 0
                return DeviceStats(
                    totalCount: total,
                    connectedCount: connected,
                    disconnectedCount: max(total - connected, 0)
                )
            } ?? DeviceStats(totalCount: 0, connectedCount: 0, disconnectedCount: 0)
        }
    }

    /// The distinct tags in use, sorted.
    public func tags(tenantId: String? = nil) async throws -> [String] {
        let filter = tenantId == nil ? "" : " WHERE devices.tenant_id = ?"
        let values: [SQLiteValue] = tenantId.map { [.text($0)] } ?? []
        return try await self.database.read { connection in
            try connection.query(
                "SELECT DISTINCT json_each.value FROM devices, json_each(devices.tags)\(filter) ORDER BY 1",
                values
            ) { $0.string(0) }.compactMap { $0 }
        }
    }

    // MARK: Connection bookkeeping (CIRA)

    /// Records a successful CIRA login. False when the GUID is not registered.
    @discardableResult
    public func markConnected(_ guid: String, instance: String, at date: Date) async throws -> Bool {
        let guid = try GUID.require(guid)
        let now = Timestamp.format(date)
        return try await self.database.write { connection in
            try connection.run(
                """
                UPDATE devices SET connection_status = 1, mps_instance = ?, last_connected = ?, last_seen = ?
                WHERE guid = ?
                """,
                [.text(instance), .text(now), .text(now), .text(guid)]
            ) > 0
        }
    }

    /// Records a closed CIRA connection. With `instance`, only a row still held by that instance
    /// changes, so a late disconnect cannot undo a newer connection on another instance.
    @discardableResult
    public func markDisconnected(_ guid: String, at date: Date, instance: String? = nil) async throws -> Bool
    {
        let guid = try GUID.require(guid)
        var sql = """
            UPDATE devices SET connection_status = 0, mps_instance = NULL, last_disconnected = ?
            WHERE guid = ?
            """
        var values: [SQLiteValue] = [.text(Timestamp.format(date)), .text(guid)]
        if let instance {
            sql += " AND mps_instance = ?"
            values.append(.text(instance))
        }
        let statement = sql
        let bound = values
        return try await self.database.write { connection in try connection.run(statement, bound) > 0 }
    }

    /// Records a keep-alive.
    @discardableResult
    public func touchLastSeen(_ guid: String, at date: Date) async throws -> Bool {
        let guid = try GUID.require(guid)
        let now = Timestamp.format(date)
        return try await self.database.write { connection in
            try connection.run("UPDATE devices SET last_seen = ? WHERE guid = ?", [.text(now), .text(guid)])
                > 0
        }
    }

    /// Marks as disconnected every device recorded as connected to `instance` (nil: to any
    /// instance). Run at server start, when no connection can be live yet. Returns the count.
    @discardableResult
    public func markAllDisconnected(instance: String?, at date: Date) async throws -> Int {
        var sql = """
            UPDATE devices SET connection_status = 0, mps_instance = NULL, last_disconnected = ?
            WHERE connection_status = 1
            """
        var values: [SQLiteValue] = [.text(Timestamp.format(date))]
        if let instance {
            sql += " AND mps_instance = ?"
            values.append(.text(instance))
        }
        let statement = sql
        let bound = values
        return try await self.database.write { connection in try connection.run(statement, bound) }
    }

    // MARK: Rows

    static func fetch(_ guid: String, _ connection: SQLiteConnection) throws -> Device? {
        try connection.queryFirst(
            "SELECT \(Self.columns) FROM devices WHERE guid = ?",
            [.text(guid)],
            Self.device(from:)
        )
    }

    private static func insert(_ device: Device, _ connection: SQLiteConnection) throws {
        try connection.run(
            """
            INSERT INTO devices (hostname, tags, mps_username, tenant_id, friendly_name, dns_suffix, device_info,
                guid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            try Self.editableValues(device)
        )
    }

    private static func update(_ device: Device, _ connection: SQLiteConnection) throws {
        try connection.run(
            """
            UPDATE devices SET hostname = ?, tags = ?, mps_username = ?, tenant_id = ?, friendly_name = ?,
                dns_suffix = ?, device_info = ? WHERE guid = ?
            """,
            try Self.editableValues(device)
        )
    }

    private static func editableValues(_ device: Device) throws -> [SQLiteValue] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let tags = String(decoding: try encoder.encode(device.tags), as: UTF8.self)
        let info = try device.deviceInfo.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        return [
            SQLiteValue(device.hostname), .text(tags), SQLiteValue(device.mpsusername),
            .text(device.tenantId),
            SQLiteValue(device.friendlyName), SQLiteValue(device.dnsSuffix), SQLiteValue(info),
            .text(device.guid),
        ]
    }

    static func device(from row: SQLiteRow) throws -> Device {
        let decoder = JSONDecoder()
        let tagsText = try row.requireString(2, "devices.tags")
        guard let tags = try? decoder.decode([String].self, from: Data(tagsText.utf8)) else {
            throw StoreError.corruptRow("devices.tags")
        }
        var info: [String: JSONValue]?
        if let text = row.string(12) {
            guard let decoded = try? decoder.decode([String: JSONValue].self, from: Data(text.utf8)) else {
                throw StoreError.corruptRow("devices.device_info")
            }
            info = decoded
        }
        return Device(
            guid: try row.requireString(0, "devices.guid"),
            hostname: row.string(1),
            tags: tags,
            mpsInstance: row.string(3),
            connectionStatus: row.int64(4) == 1,
            mpsusername: row.string(5),
            tenantId: row.string(6) ?? "",
            friendlyName: row.string(7),
            dnsSuffix: row.string(8),
            lastConnected: try Self.date(row, 9, "devices.last_connected"),
            lastSeen: try Self.date(row, 10, "devices.last_seen"),
            lastDisconnected: try Self.date(row, 11, "devices.last_disconnected"),
            deviceInfo: info
        )
    }

    private static func date(_ row: SQLiteRow, _ index: Int, _ what: String) throws -> Date? {
        guard let text = row.string(index) else { return nil }
        guard let date = Timestamp.parse(text) else { throw StoreError.corruptRow(what) }
        return date
    }
}
