import Foundation
import SQLite
import JSON
import Store
import Testing

@Suite struct DeviceStoreTests {
    let database: Database
    let devices: DeviceStore

    init() throws {
        self.database = try makeDatabase()
        self.devices = DeviceStore(database: self.database)
    }

    /// Upsert creates, then updates the same row; get returns what was stored.
    @Test func createGetUpdate() async throws {
        let info: [String: JSONValue] = ["fwVersion": "16.1.25", "fwBuild": "2128", "extra": 7]
        let (created, isNew) = try await self.devices.upsert(
            guidA,
            DeviceFields(
                hostname: "h1",
                tags: ["acm", "lab"],
                mpsusername: "admin",
                friendlyName: "One",
                dnsSuffix: "test.com",
                deviceInfo: info
            )
        )
        #expect(isNew && created.connectionStatus == false && created.tenantId == "")
        #expect(try await self.devices.get(guidA) == created)
        #expect(created.deviceInfo == info)
        let (updated, isNew2) = try await self.devices.upsert(guidA, DeviceFields(hostname: "h2"))
        #expect(
            !isNew2 && updated.hostname == "h2" && updated.tags == ["acm", "lab"]
                && updated.friendlyName == "One"
        )
        let patched = try await self.devices.patch(guidA, DeviceFields(friendlyName: .some(nil)))
        #expect(patched?.friendlyName == nil && patched?.hostname == "h2")
        #expect(try await self.devices.patch(guidB, DeviceFields(hostname: "x")) == nil)
    }

    /// B05: any case form of a GUID resolves to the one lowercase row; uppercase re-POST is an update.
    @Test func guidCaseInsensitive() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields(hostname: "h1"))
        let upper = guidA.uppercased()
        #expect(try await self.devices.get(upper)?.guid == guidA)
        #expect(try await self.devices.exists(upper))
        let (device, created) = try await self.devices.upsert(upper, DeviceFields(hostname: "h2"))
        #expect(!created && device.guid == guidA)
        #expect(try await self.devices.list(DeviceQuery()).totalCount == 1)
        #expect(try await !self.devices.exists("not-a-guid"))
        await #expect(throws: StoreError.invalidGUID) { try await self.devices.get("1") }
    }

    /// B39: re-adding a GUID stores the new hostname and never makes a second row; another
    /// tenant cannot take the device over.
    @Test func reAddUpdatesAndTenantConflicts() async throws {
        let g = "33333333-4444-4555-8666-777777777777"
        _ = try await self.devices.upsert(g, DeviceFields(hostname: "h1", tenantId: "t1"))
        let (device, created) = try await self.devices.upsert(g, DeviceFields(hostname: "h2", tenantId: "t1"))
        #expect(!created && device.hostname == "h2")
        #expect(try await self.devices.get(g)?.hostname == "h2")
        await #expect(throws: StoreError.tenantConflict) {
            try await self.devices.upsert(g, DeviceFields(hostname: "h3", tenantId: "t2"))
        }
        #expect(try await self.devices.get(g)?.hostname == "h2")
        let rows = try await self.database.read { db in
            try db.queryFirst("SELECT COUNT(*) FROM devices") { $0.int(0) }
        }
        #expect(rows == 1)
    }

    /// Filters combine, status filters before paging, totalCount counts the filtered set, order is by GUID.
    @Test func listFiltersAndPaging() async throws {
        for n in 0..<30 {
            _ = try await self.devices.upsert(
                guid(n),
                DeviceFields(
                    hostname: "host\(n % 3)",
                    tags: n % 2 == 0 ? ["even"] : ["odd", n % 5 == 0 ? "five" : "x"],
                    tenantId: n < 20 ? "" : "other"
                )
            )
            if n % 3 == 0 { try await self.devices.markConnected(guid(n), instance: "mps1", at: Date()) }
        }
        let page = try await self.devices.list(DeviceQuery(top: 5, skip: 0))
        #expect(page.devices.map(\.guid) == (0..<5).map(guid) && page.totalCount == 30)
        let connected = try await self.devices.list(DeviceQuery(top: 3, skip: 0, status: true))
        #expect(connected.devices.map(\.guid) == [guid(0), guid(3), guid(6)] && connected.totalCount == 10)
        let combined = try await self.devices.list(
            DeviceQuery(top: 100, hostname: "host0", status: false, tenantId: "")
        )
        #expect(combined.devices.isEmpty && combined.totalCount == 0)  // every host0 is connected
        let host1 = try await self.devices.list(DeviceQuery(top: 2, skip: 1, hostname: "host1", tenantId: ""))
        #expect(host1.devices.map(\.guid) == [guid(4), guid(7)] && host1.totalCount == 7)
        let any = try await self.devices.list(DeviceQuery(top: 100, tags: ["five", "even"], tagMatch: .any))
        #expect(any.totalCount == 15 + 3)  // 15 even + odd multiples of 5: 5, 15, 25
        let all = try await self.devices.list(DeviceQuery(top: 100, tags: ["odd", "five"], tagMatch: .all))
        #expect(all.devices.map(\.guid) == [guid(5), guid(15), guid(25)])
        let tenant = try await self.devices.list(DeviceQuery(top: 100, tenantId: "other"))
        #expect(tenant.totalCount == 10 && tenant.devices.first?.guid == guid(20))
        let beyond = try await self.devices.list(DeviceQuery(top: 10, skip: 1000))
        #expect(beyond.devices.isEmpty && beyond.totalCount == 30)
        await #expect(throws: StoreError.self) { try await self.devices.list(DeviceQuery(top: -1)) }
        await #expect(throws: StoreError.self) { try await self.devices.list(DeviceQuery(skip: -5)) }
    }

    /// Stats and tags reflect connection state and tenants.
    @Test func statsAndTags() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields(tags: ["b", "a"]))
        _ = try await self.devices.upsert(guidB, DeviceFields(tags: ["a", "c"], tenantId: "t"))
        _ = try await self.devices.upsert(guidC, DeviceFields())
        try await self.devices.markConnected(guidB, instance: "mps1", at: Date())
        #expect(
            try await self.devices.stats()
                == DeviceStats(totalCount: 3, connectedCount: 1, disconnectedCount: 2)
        )
        #expect(
            try await self.devices.stats(tenantId: "t")
                == DeviceStats(totalCount: 1, connectedCount: 1, disconnectedCount: 0)
        )
        #expect(try await self.devices.tags() == ["a", "b", "c"])
        #expect(try await self.devices.tags(tenantId: "") == ["a", "b"])
    }

    /// Connection bookkeeping sets and clears the instance and timestamps.
    @Test func connectionBookkeeping() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields())
        _ = try await self.devices.upsert(guidB, DeviceFields())
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let t1 = t0 + 30
        let t2 = t0 + 60
        #expect(try await self.devices.markConnected(guidA.uppercased(), instance: "mps1", at: t0))
        #expect(try await !self.devices.markConnected(guidC, instance: "mps1", at: t0))
        try await self.devices.touchLastSeen(guidA, at: t1)
        var a = try #require(try await self.devices.get(guidA))
        #expect(a.connectionStatus && a.mpsInstance == "mps1" && a.lastConnected == t0 && a.lastSeen == t1)
        // A late disconnect from another instance does not clear this connection.
        #expect(try await !self.devices.markDisconnected(guidA, at: t2, instance: "mps2"))
        #expect(try await self.devices.markDisconnected(guidA, at: t2, instance: "mps1"))
        a = try #require(try await self.devices.get(guidA))
        #expect(!a.connectionStatus && a.mpsInstance == nil && a.lastDisconnected == t2)
        try await self.devices.markConnected(guidA, instance: "mps1", at: t0)
        try await self.devices.markConnected(guidB, instance: "mps2", at: t0)
        #expect(try await self.devices.markAllDisconnected(instance: "mps1", at: t2) == 1)
        #expect(try await self.devices.markAllDisconnected(instance: nil, at: t2) == 1)
        #expect(try await self.devices.stats().connectedCount == 0)
    }

    /// Device JSON uses the reference names, writes nulls, and ISO-8601 dates.
    @Test func jsonShape() throws {
        let device = Device(
            guid: guidA,
            hostname: "h",
            tags: ["acm"],
            mpsusername: "admin",
            lastConnected: Date(timeIntervalSince1970: 1_800_000_000.5),
            deviceInfo: ["fwVersion": "16.1.25"]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(device), as: UTF8.self)
        #expect(
            json == """
                {"connectionStatus":false,"deviceInfo":{"fwVersion":"16.1.25"},"dnsSuffix":null,"friendlyName":null,\
                "guid":"\(guidA)","hostname":"h","lastConnected":"2027-01-15T08:00:00.500Z","lastDisconnected":null,\
                "lastSeen":null,"mpsInstance":null,"mpsusername":"admin","tags":["acm"],"tenantId":""}
                """
        )
        #expect(try JSONDecoder().decode(Device.self, from: Data(json.utf8)) == device)
    }

    /// A corrupt stored row is a thrown error, not a crash.
    @Test func corruptRowThrows() async throws {
        _ = try await self.devices.upsert(guidA, DeviceFields())
        try await self.database.write { db in
            try db.execute("PRAGMA ignore_check_constraints = ON")
            try db.run("UPDATE devices SET last_seen = 'yesterday' WHERE guid = ?", [.text(guidA)])
        }
        await #expect(throws: StoreError.corruptRow("devices.last_seen")) {
            try await self.devices.get(guidA)
        }
    }
}
