import Foundation
import Testing

@testable import Store

/// The device read cache serves a read for its lifetime, and the server's trim frees what has
/// expired (after a connect storm every device was read once; an idle fleet must not keep them).
@Suite struct DeviceReadCacheTests {
    @Test func trimDropsExpiredEntries() async throws {
        let devices = DeviceStore(database: try makeDatabase())
        for n in 0..<100 { _ = try await devices.upsert(guid(n), DeviceFields(hostname: "h\(n)")) }
        let started = ContinuousClock.now
        for n in 0..<100 { _ = try await devices.get(guid(n)) }
        let filled = devices.cache.count
        devices.trimCaches()
        let kept = devices.cache.count
        // Fresh entries stay (checked only when the machine did not stall past their lifetime).
        if ContinuousClock.now - started < .milliseconds(500) {
            #expect(filled == 100)
            #expect(kept == 100)
        }
        try await Task.sleep(for: .seconds(DeviceReadCache.lifetime + 0.2))
        devices.trimCaches()
        #expect(devices.cache.count == 0)
        #expect(try await devices.get(guid(7))?.hostname == "h7")  // read again from the store
    }
}
