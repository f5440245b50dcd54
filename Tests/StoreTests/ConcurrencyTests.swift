import Foundation
import PasswordHash
import SQLite
import Store
import Testing

@Suite struct ConcurrencyTests {
    /// B37: 50 devices connect and disconnect at once while 20 API calls upsert devices and set
    /// credentials, through two Database instances on one file (like two processes). Every write
    /// lands, no BUSY, and the final status matches the last event per device.
    @Test func concurrentWritesAllLand() async throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("busy.sqlite").path
        let first = try Database.open(path: path)
        _ = try Migrator(database: first, directory: repositoryMigrations).apply()
        let second = try Database.open(path: path)
        let storeA = DeviceStore(database: first)
        let storeB = DeviceStore(database: second)
        let secrets = SecretStore(
            database: second,
            masterKey: .random(),
            hashing: HashingPool(threads: 2),
            parameters: fastParameters
        )
        for n in 0..<50 { _ = try await storeA.upsert(guid(n), DeviceFields(hostname: "h\(n)")) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                let store = n % 2 == 0 ? storeA : storeB
                group.addTask {
                    try await store.markConnected(guid(n), instance: "mps1", at: Date())
                    try await store.touchLastSeen(guid(n), at: Date())
                    if n % 5 == 0 { try await store.markDisconnected(guid(n), at: Date(), instance: "mps1") }
                }
            }
            for n in 0..<20 {
                group.addTask {
                    let store = n % 2 == 0 ? storeB : storeA
                    _ = try await store.upsert(
                        guid(100 + n),
                        DeviceFields(hostname: "new\(n)", tags: ["t\(n)"])
                    )
                    _ = try await store.patch(guid(n), DeviceFields(friendlyName: "api\(n)"))
                    try await secrets.setAMTCredentials(
                        guid: guid(100 + n),
                        username: "admin",
                        password: "Amt-\(n)!x"
                    )
                }
            }
            try await group.waitForAll()
        }

        let all = try await storeA.list(DeviceQuery(top: 1000))
        #expect(all.totalCount == 70)
        let byGUID = Dictionary(uniqueKeysWithValues: all.devices.map { ($0.guid, $0) })
        for n in 0..<50 {
            let device = try #require(byGUID[guid(n)])
            #expect(device.connectionStatus == (n % 5 != 0))
            #expect(device.lastSeen != nil)
            if n < 20 { #expect(device.friendlyName == "api\(n)") }
        }
        for n in 0..<20 {
            #expect(byGUID[guid(100 + n)]?.tags == ["t\(n)"])
            #expect(try await secrets.amtCredentials(guid: guid(100 + n))?.password == "Amt-\(n)!x")
        }
    }
}
