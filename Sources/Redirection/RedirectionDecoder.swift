// Redirection: the resumable decoder of AMT's pre-auth replies (redirection.md §2.3, §2.4).

/// Turns bytes from the device into ``RedirectionMessage`` values, one complete message at a
/// time, keeping a partial message until the rest arrives.
///
/// It knows only 0x11 and 0x14, the replies the server reads before hand-over; any other
/// leading byte is an error rather than a stall (§3.5). It does not buffer without bound:
/// a reply announcing more than ``maximumDataLength`` bytes is refused.
public struct RedirectionDecoder: Sendable {
    /// Pre-auth replies are tens of bytes; a few KiB is far more than any real one (§3.5).
    public static let maximumDataLength = 4096

    private var buffer: [UInt8] = []
    private var head = 0

    public init() {}

    /// Adds bytes read from the device.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        self.buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet decoded.
    public var bufferedCount: Int { self.buffer.count - self.head }

    /// Removes and returns every byte not yet decoded (what follows the last reply).
    public mutating func takeRemaining() -> [UInt8] {
        defer {
            self.buffer = []
            self.head = 0
        }
        return Array(self.buffer[self.head...])
    }

    /// The next complete message, or nil when more bytes are needed.
    /// - Throws: `RedirectionError` for an unknown leading byte or an oversized reply; the
    ///   decoder should not be used after that.
    public mutating func next() throws(RedirectionError) -> RedirectionMessage? {
        let available = self.bufferedCount
        guard available > 0 else { return nil }
        switch self.byte(0) {
        case 0x11: return self.startReply(available)
        case 0x14: return try self.authReply(available)
        case let other: throw .unexpectedMessage(other)
        }
    }

    private func byte(_ offset: Int) -> UInt8 { self.buffer[self.head + offset] }

    private func slice(_ from: Int, _ count: Int) -> [UInt8] {
        Array(self.buffer[(self.head + from)..<(self.head + from + count)])
    }

    private mutating func consume(_ count: Int) {
        self.head += count
        if self.head == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: true)
            self.head = 0
        }
    }

    private mutating func startReply(_ available: Int) -> RedirectionMessage? {
        guard available >= 4 else { return nil }
        let status = self.byte(1)
        guard status == StartRedirectionReply.success else {
            // A refusal promises only four bytes (§2.3); the handshake ends on it anyway.
            self.consume(4)
            return .startReply(StartRedirectionReply(status: status))
        }
        guard available >= 13 else { return nil }
        let oemLength = Int(self.byte(12))
        guard available >= 13 + oemLength else { return nil }
        let reply = StartRedirectionReply(
            status: status,
            versionBytes: self.slice(4, 8),
            oemData: self.slice(13, oemLength)
        )
        self.consume(13 + oemLength)
        return .startReply(reply)
    }

    private mutating func authReply(_ available: Int) throws(RedirectionError)
        -> RedirectionMessage?
    {
        guard available >= 9 else { return nil }
        let n =
            UInt32(self.byte(5)) | UInt32(self.byte(6)) << 8 | UInt32(self.byte(7)) << 16
            | UInt32(self.byte(8)) << 24
        guard n <= UInt32(Self.maximumDataLength) else { throw .messageTooLarge(Int(n)) }
        let length = 9 + Int(n)
        guard available >= length else { return nil }
        let reply = AuthenticateSessionReply(
            status: self.byte(1),
            authType: self.byte(4),
            data: self.slice(9, Int(n))
        )
        self.consume(length)
        return .authReply(reply)
    }
}
