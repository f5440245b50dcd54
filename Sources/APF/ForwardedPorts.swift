/// The ports a device forwarded, in order, held inline: AMT forwards seven ports, all below
/// 65,536, and an array of them was one more heap allocation (96 bytes) per idle tunnel. Up to
/// eight 16-bit ports live in two words; a ninth port, or one above 65,535, moves the whole list
/// into an array (only a device unlike AMT pays for it).
struct ForwardedPorts: Sendable, Equatable {
    private var packed: (UInt64, UInt64) = (0, 0)
    private var inlineCount: UInt8 = 0
    private var spilled: [UInt32]?

    static let inlineCapacity = 8

    var count: Int { self.spilled?.count ?? Int(self.inlineCount) }

    /// The ports in the order they were added.
    var array: [UInt32] {
        if let spilled { return spilled }
        return (0..<Int(self.inlineCount)).map(self.inlinePort)
    }

    func contains(_ port: UInt32) -> Bool {
        if let spilled { return spilled.contains(port) }
        return (0..<Int(self.inlineCount)).contains { self.inlinePort($0) == port }
    }

    mutating func append(_ port: UInt32) {
        if self.spilled == nil, port <= 0xFFFF, Int(self.inlineCount) < Self.inlineCapacity {
            self.setInline(Int(self.inlineCount), UInt16(port))
            self.inlineCount += 1
            return
        }
        var all = self.array
        all.append(port)
        self = ForwardedPorts()
        self.spilled = all
    }

    mutating func remove(_ port: UInt32) {
        let kept = self.array.filter { $0 != port }
        self = ForwardedPorts()
        for p in kept { self.append(p) }
    }

    static func == (a: ForwardedPorts, b: ForwardedPorts) -> Bool { a.array == b.array }

    private func inlinePort(_ index: Int) -> UInt32 {
        let word = index < 4 ? self.packed.0 : self.packed.1
        return UInt32(truncatingIfNeeded: word >> (UInt64(index % 4) * 16)) & 0xFFFF
    }

    private mutating func setInline(_ index: Int, _ port: UInt16) {
        let shift = UInt64(index % 4) * 16
        let bits = UInt64(port) << shift
        let mask = ~(UInt64(0xFFFF) << shift)
        if index < 4 {
            self.packed.0 = (self.packed.0 & mask) | bits
        } else {
            self.packed.1 = (self.packed.1 & mask) | bits
        }
    }
}
