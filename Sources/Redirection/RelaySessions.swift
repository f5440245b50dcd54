// Redirection: the registry of running relays, one per (device, mode) (B43, B44).
public import Foundation
internal import Synchronization

/// Which redirection modes are in use on one device, for
/// `GET /api/v1/devices/redirectstatus`.
public struct RedirectionStatus: Sendable, Equatable {
    public var kvm: Bool
    public var sol: Bool
    public var ider: Bool

    public init(kvm: Bool = false, sol: Bool = false, ider: Bool = false) {
        self.kvm = kvm
        self.sol = sol
        self.ider = ider
    }
}

/// Who opened a relay, when, and how much it carried.
public struct RelaySessionRecord: Sendable, Equatable {
    public var id: UInt64
    /// The device GUID, lowercased.
    public var guid: String
    public var mode: RedirectionMode
    /// The authenticated user or API key name that opened the relay.
    public var principal: String
    /// The browser's address as the web server saw it.
    public var remoteAddress: String
    public var started: Date
    public var ended: Date?
    /// Why it ended (a ``RelayEndReason`` description); nil while active.
    public var endReason: String?
    public var bytesToDevice: UInt64
    public var bytesToBrowser: UInt64
}

/// The registry of relay sessions: at most one per (device, mode) — a second of the same
/// mode is refused with `.alreadyActive` (B43) — while different modes coexist (B44). It
/// knows nothing of WS-MAN, which therefore is never blocked by a relay.
///
/// A slot is held by a ``RelaySession`` handle and released by `finish`, which the relay calls
/// on every kind of end; a handle dropped without `finish` releases its slot in `deinit`, so
/// a failure path that forgets cannot lock a mode out for good. Ended sessions are
/// kept in a bounded history. Thread-safe.
public final class RelaySessions: Sendable {
    struct Key: Hashable {
        var guid: String
        var mode: RedirectionMode
    }

    struct State {
        var nextID: UInt64 = 1
        var active: [Key: RelaySessionRecord] = [:]
        var history: [RelaySessionRecord] = []
    }

    private let state = Mutex(State())
    private let historyLimit: Int
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - historyLimit: how many ended sessions to remember (oldest dropped first).
    ///   - now: the clock for start and end times.
    public init(historyLimit: Int = 256, now: @escaping @Sendable () -> Date = { Date() }) {
        precondition(historyLimit >= 0)
        self.historyLimit = historyLimit
        self.now = now
    }

    /// Claims the (device, mode) slot.
    /// - Throws: `RelayEndReason.alreadyActive(mode)` when a session of this mode is running.
    public func reserve(
        guid: String,
        mode: RedirectionMode,
        principal: String,
        remoteAddress: String
    ) throws(RelayEndReason) -> RelaySession {
        let key = Key(guid: guid.lowercased(), mode: mode)
        let started = self.now()
        let id = self.state.withLock { s -> UInt64? in
            guard s.active[key] == nil else { return nil }
            let id = s.nextID
            s.nextID += 1
            s.active[key] = RelaySessionRecord(
                id: id,
                guid: key.guid,
                mode: mode,
                principal: principal,
                remoteAddress: remoteAddress,
                started: started,
                ended: nil,
                endReason: nil,
                bytesToDevice: 0,
                bytesToBrowser: 0
            )
            return id
        }
        guard let id else { throw .alreadyActive(mode) }
        return RelaySession(id: id, guid: key.guid, mode: mode, registry: self)
    }

    /// Which modes are active on `guid` (any case).
    public func status(guid: String) -> RedirectionStatus {
        let guid = guid.lowercased()
        return self.state.withLock { s in
            RedirectionStatus(
                kvm: s.active[Key(guid: guid, mode: .kvm)] != nil,
                sol: s.active[Key(guid: guid, mode: .sol)] != nil,
                ider: s.active[Key(guid: guid, mode: .ider)] != nil
            )
        }
    }

    /// The running sessions, oldest first; only `guid`'s when given.
    public func active(guid: String? = nil) -> [RelaySessionRecord] {
        let guid = guid?.lowercased()
        return self.state.withLock { s in
            s.active.values.filter { guid == nil || $0.guid == guid }.sorted { $0.id < $1.id }
        }
    }

    /// Ended sessions, oldest first.
    public func history() -> [RelaySessionRecord] { self.state.withLock { $0.history } }

    // MARK: used by RelaySession

    func add(id: UInt64, key: Key, toDevice: Int, toBrowser: Int) {
        self.state.withLock { s in
            guard var record = s.active[key], record.id == id else { return }
            record.bytesToDevice += UInt64(toDevice)
            record.bytesToBrowser += UInt64(toBrowser)
            s.active[key] = record
        }
    }

    func release(id: UInt64, key: Key, reason: String) {
        let ended = self.now()
        self.state.withLock { s in
            guard var record = s.active[key], record.id == id else { return }
            s.active[key] = nil
            record.ended = ended
            record.endReason = reason
            s.history.append(record)
            if s.history.count > self.historyLimit {
                s.history.removeFirst(s.history.count - self.historyLimit)
            }
        }
    }

    func record(id: UInt64, key: Key) -> RelaySessionRecord? {
        self.state.withLock { s in
            if let r = s.active[key], r.id == id { return r }
            return s.history.last { $0.id == id }
        }
    }
}

/// One claimed (device, mode) slot. `finish` releases it (once; later calls do nothing), and
/// so does dropping the last reference.
public final class RelaySession: Sendable {
    public let id: UInt64
    public let guid: String
    public let mode: RedirectionMode
    private let registry: RelaySessions
    private let finished = Atomic<Bool>(false)

    init(id: UInt64, guid: String, mode: RedirectionMode, registry: RelaySessions) {
        self.id = id
        self.guid = guid
        self.mode = mode
        self.registry = registry
    }

    deinit { self.finish(reason: "abandoned") }

    private var key: RelaySessions.Key { .init(guid: self.guid, mode: self.mode) }

    /// Adds to the byte counters.
    public func count(toDevice: Int = 0, toBrowser: Int = 0) {
        self.registry.add(id: self.id, key: self.key, toDevice: toDevice, toBrowser: toBrowser)
    }

    /// Releases the slot and records why the session ended.
    public func finish(reason: String) {
        guard !self.finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.registry.release(id: self.id, key: self.key, reason: reason)
    }

    public var isFinished: Bool { self.finished.load(ordering: .acquiring) }

    /// The session's current record (from the history once finished).
    public var record: RelaySessionRecord? { self.registry.record(id: self.id, key: self.key) }
}
