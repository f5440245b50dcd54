// SPDX-License-Identifier: Apache-2.0

/// Open WS-Enumeration contexts of one device, with injected time.
///
/// Enumerate snapshots the instances; each Pull hands out the next page: at most MaxElements
/// items, ended early where the concrete class changes (AMT's paging, wsman.md §1.4). The final
/// page closes the context. Contexts expire after ``lifetime`` without use, and only
/// ``capacity`` are kept, the least recently used going first (AMT's resources are limited,
/// MPS #664). Context names look like AMT's: a little-endian counter in the first group.
public struct EnumerationContexts: Sendable {
    public struct Page: Sendable {
        public var items: [SimulatedInstance]
        /// The context to pull next; nil on the final page.
        public var nextContext: String?
    }

    public enum PullError: Error, Equatable, Sendable {
        /// Unknown, expired, finished, or opened for another ResourceURI.
        case invalidContext
    }

    private struct Entry: Sendable {
        var resourceURI: String
        var items: [SimulatedInstance]
        var position: Int
        var lastUse: ContinuousClock.Instant
    }

    public let lifetime: Duration
    public let capacity: Int
    private var entries: [String: Entry] = [:]
    private var counter: UInt32 = 0

    public init(lifetime: Duration = .seconds(60), capacity: Int = 16) {
        precondition(capacity > 0, "capacity must be positive")
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Contexts currently open.
    public var count: Int { self.entries.count }

    /// Opens a context over `items` and returns its name.
    public mutating func open(
        resourceURI: String,
        items: [SimulatedInstance],
        now: ContinuousClock.Instant
    ) -> String {
        self.purge(now: now)
        if self.entries.count >= self.capacity,
            let oldest = self.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
        {
            self.entries[oldest] = nil
        }
        self.counter &+= 1
        if self.counter == 0 { self.counter = 1 }
        let name = Self.name(self.counter)
        self.entries[name] = Entry(resourceURI: resourceURI, items: items, position: 0, lastUse: now)
        return name
    }

    /// The next page of `context`.
    /// - Throws: ``PullError/invalidContext``.
    public mutating func pull(
        _ context: String,
        resourceURI: String,
        maxElements: Int,
        now: ContinuousClock.Instant
    ) throws(PullError) -> Page {
        self.purge(now: now)
        guard var entry = self.entries[context], entry.resourceURI == resourceURI else {
            throw .invalidContext
        }
        let limit = max(1, maxElements)
        var page: [SimulatedInstance] = []
        while entry.position < entry.items.count && page.count < limit {
            let item = entry.items[entry.position]
            if let first = page.first, first.className != item.className { break }
            page.append(item)
            entry.position += 1
        }
        if entry.position >= entry.items.count {
            self.entries[context] = nil
            return Page(items: page, nextContext: nil)
        }
        entry.lastUse = now
        self.entries[context] = entry
        return Page(items: page, nextContext: context)
    }

    /// Release: true if the context was open.
    public mutating func release(_ context: String) -> Bool {
        self.entries.removeValue(forKey: context) != nil
    }

    private mutating func purge(now: ContinuousClock.Instant) {
        let lifetime = self.lifetime
        self.entries = self.entries.filter { now - $0.value.lastUse < lifetime }
    }

    /// `01000000-0000-0000-0000-000000000000` for 1: the counter's bytes, least significant first.
    static func name(_ counter: UInt32) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for shift in stride(from: 0, to: 32, by: 8) {
            let byte = UInt8(truncatingIfNeeded: counter >> UInt32(shift))
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self) + "-0000-0000-0000-000000000000"
    }
}
