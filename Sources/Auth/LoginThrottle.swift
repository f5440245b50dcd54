public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Login rate limiting per client address and per user name, with growing delays.
///
/// A value type with no clock and no I/O: every method takes `now`. After `freeFailures`
/// failures for a key, the next attempt must wait `initialDelay`, doubling with each further
/// failure up to `maximumDelay`. A key forgets its failures after `quietReset` without one.
/// A success resets the user's count but not the address's, so an attacker cannot clear the
/// throttle on their address by logging in to an account of their own between guesses.
/// IPv6 addresses are grouped by /64, since one host usually owns a whole /64.
/// Memory is bounded: each table holds at most `maximumEntries` keys and drops the oldest.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable, Equatable {
        public var freeFailures = 3
        public var initialDelay: Duration = .seconds(1)
        public var maximumDelay: Duration = .seconds(60)
        public var quietReset: Duration = .seconds(15 * 60)
        public var maximumEntries = 10_000

        public init() {}
    }

    struct Entry: Equatable {
        var failures: Int
        var lastFailure: Date
    }

    public let policy: Policy
    private(set) var addresses: [String: Entry] = [:]
    private(set) var users: [String: Entry] = [:]

    public init(policy: Policy = Policy()) { self.policy = policy }

    /// Nil when an attempt is allowed now, else how long the client must wait.
    public func check(address: String, user: String, now: Date) -> Duration? {
        let waits = [
            self.wait(self.addresses[Self.addressKey(address)], now: now),
            self.wait(self.users[Self.userKey(user)], now: now),
        ].compactMap { $0 }
        return waits.max()
    }

    public mutating func recordFailure(address: String, user: String, now: Date) {
        Self.bump(&self.addresses, key: Self.addressKey(address), now: now, policy: self.policy)
        Self.bump(&self.users, key: Self.userKey(user), now: now, policy: self.policy)
    }

    /// Clears the user's failures; the address keeps its count (see the type's notes).
    public mutating func recordSuccess(address: String, user: String) {
        self.users[Self.userKey(user)] = nil
    }

    /// `check` and, when allowed, a provisional `recordFailure`, in one step. Counting the
    /// attempt before the slow password check means parallel guesses cannot all slip through
    /// while the first ones are still being verified. Follow a success with `confirmSuccess`.
    public mutating func attempt(address: String, user: String, now: Date) -> Duration? {
        if let wait = self.check(address: address, user: user, now: now) { return wait }
        self.recordFailure(address: address, user: user, now: now)
        return nil
    }

    /// After a successful `attempt`: takes back its provisional failure on the address and
    /// clears the user's failures.
    public mutating func confirmSuccess(address: String, user: String) {
        let key = Self.addressKey(address)
        if var entry = self.addresses[key] {
            entry.failures -= 1
            self.addresses[key] = entry.failures > 0 ? entry : nil
        }
        self.recordSuccess(address: address, user: user)
    }

    /// The delay owed after `failures` failures, or nil while they are still free.
    public func delay(afterFailures failures: Int) -> Duration? {
        guard failures >= self.policy.freeFailures else { return nil }
        let doublings = min(failures - self.policy.freeFailures, 30)
        let delay = self.policy.initialDelay * (1 << doublings)
        return min(delay, self.policy.maximumDelay)
    }

    private func wait(_ entry: Entry?, now: Date) -> Duration? {
        guard let entry,
            now.timeIntervalSince(entry.lastFailure) < self.policy.quietReset.timeInterval,
            let delay = self.delay(afterFailures: entry.failures)
        else { return nil }
        let remaining = entry.lastFailure.addingTimeInterval(delay.timeInterval).timeIntervalSince(
            now
        )
        guard remaining > 0 else { return nil }
        // Whole milliseconds, so the caller's Retry-After rounding is stable.
        return .milliseconds(Int64((remaining * 1000).rounded(.up)))
    }

    private static func bump(_ table: inout [String: Entry], key: String, now: Date, policy: Policy)
    {
        var entry = table[key] ?? Entry(failures: 0, lastFailure: now)
        if now.timeIntervalSince(entry.lastFailure) >= policy.quietReset.timeInterval {
            entry.failures = 0
        }
        entry.failures += 1
        entry.lastFailure = max(entry.lastFailure, now)
        if table[key] == nil && table.count >= max(1, policy.maximumEntries) {
            Self.evict(&table, now: now, policy: policy)
        }
        table[key] = entry
    }

    /// Drops keys that have gone quiet; if none have, the oldest tenth, so the sort is amortised.
    private static func evict(_ table: inout [String: Entry], now: Date, policy: Policy) {
        let quiet = policy.quietReset.timeInterval
        table = table.filter { now.timeIntervalSince($0.value.lastFailure) < quiet }
        guard table.count >= max(1, policy.maximumEntries) else { return }
        let victims = table.sorted { $0.value.lastFailure < $1.value.lastFailure }.prefix(
            max(1, table.count / 10)
        )
        for victim in victims { table[victim.key] = nil }
    }

    static func userKey(_ name: String) -> String { String(name.lowercased().prefix(128)) }

    /// The throttle key of an address: IPv4 as is, IPv6 as its /64 (IPv4-mapped IPv6 as IPv4).
    static func addressKey(_ address: String) -> String {
        var text = String(address.prefix(64))
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        var raw = in6_addr()
        guard text.contains(":"), inet_pton(AF_INET6, text, &raw) == 1 else {
            return text.lowercased()
        }
        let bytes = withUnsafeBytes(of: raw) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        return bytes[0..<8].map { String(format: "%02x", $0) }.joined() + "/64"
    }
}
