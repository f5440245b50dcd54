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

    func store(_ guid: String, _ device: Device?, generation: UInt64) {
        let now = ProcessInfo.processInfo.systemUptime
        guard self.generation == generation else { return }
        self.entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[guid] = Entry(device: device, generation: generation, storedAt: now)
        }
    }
}
