internal import Foundation
internal import Synchronization

/// A small read cache for `DeviceStore.get`: entries live for `lifetime` and count only while
/// no write has begun through the database since they were read (its write counter), so a
/// read that raced a write is never served as fresh.
final class DeviceReadCache: Sendable {
    private let database: Database

    init(database: Database) { self.database = database }

    static let lifetime: TimeInterval = 1
    static let capacity = 20_000

    private struct Entry {
        let device: Device?
        let generation: UInt64
        let storedAt: TimeInterval
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// When expired entries were last dropped (uptime seconds).
    private let lastSweep = Mutex<TimeInterval>(0)

    var generation: UInt64 { self.database.writes.load(ordering: .acquiring) }

    /// The cached device (`.some(nil)` caches "no such device"), or nil on a miss.
    func lookup(_ guid: String) -> Device?? {
        let now = ProcessInfo.processInfo.systemUptime
        let current = self.generation
        return self.entries.withLock { entries in
            guard let e = entries[guid], e.generation == current, now - e.storedAt < Self.lifetime
            else { return nil }
            return .some(e.device)
        }
    }

    /// Drops the expired entries (all of them once the fleet idles), with their storage.
    func dropExpired() {
        let now = ProcessInfo.processInfo.systemUptime
        self.entries.withLock { Self.dropExpired(&$0, now: now) }
    }

    /// Keeps the live entries in a table of their own size (an empty one holds no storage).
    private static func dropExpired(_ entries: inout [String: Entry], now: TimeInterval) {
        let live = entries.filter { now - $0.value.storedAt < Self.lifetime }
        entries = live.isEmpty ? [:] : live
    }

    /// Entries held (for tests).
    var count: Int { self.entries.withLock { $0.count } }

    func store(_ guid: String, _ device: Device?, generation: UInt64) {
        let now = ProcessInfo.processInfo.systemUptime
        guard self.generation == generation else { return }
        let sweep = self.lastSweep.withLock { last in
            guard now - last >= Self.lifetime else { return false }
            last = now
            return true
        }
        self.entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            // At most once per lifetime, drop what expired: a connect storm reads every
            // device once, and 10,000 stale entries would stay for as long as the fleet idles.
            if sweep && entries.count > 64 { Self.dropExpired(&entries, now: now) }
            entries[guid] = Entry(device: device, generation: generation, storedAt: now)
        }
    }
}
