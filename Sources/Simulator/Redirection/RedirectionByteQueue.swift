// Simulator redirection: a byte accumulator for the device-side parsers.

/// Bytes received but not yet parsed, with little- and big-endian peeks. Parsers peek until a
/// whole message is present, then `take` it, so any split of the input parses the same.
struct RedirectionByteQueue: Sendable {
    private var bytes: [UInt8] = []
    private var head = 0

    var count: Int { self.bytes.count - self.head }
    var isEmpty: Bool { self.count == 0 }

    mutating func append(_ more: some Collection<UInt8>) { self.bytes.append(contentsOf: more) }

    subscript(offset: Int) -> UInt8 { self.bytes[self.head + offset] }

    func le16(_ offset: Int) -> Int { Int(self[offset]) | Int(self[offset + 1]) << 8 }

    func le32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }

    func be16(_ offset: Int) -> Int { Int(self[offset]) << 8 | Int(self[offset + 1]) }

    func be32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }

    func peek(_ offset: Int, _ length: Int) -> [UInt8] {
        Array(self.bytes[(self.head + offset)..<(self.head + offset + length)])
    }

    /// Removes and returns the first `length` bytes.
    @discardableResult
    mutating func take(_ length: Int) -> [UInt8] {
        let out = self.peek(0, length)
        self.drop(length)
        return out
    }

    /// Removes the first `length` bytes (at most what is buffered).
    mutating func drop(_ length: Int) {
        self.head += min(length, self.count)
        if self.head == self.bytes.count {
            self.bytes.removeAll(keepingCapacity: true)
            self.head = 0
        } else if self.head > 64 * 1024 {
            self.bytes.removeFirst(self.head)
            self.head = 0
        }
    }

    mutating func takeAll() -> [UInt8] { self.take(self.count) }
}

/// Little-endian encoders for the redirection layer.
enum RedirectionLE {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func u32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }
}

/// Big-endian encoders for RFB.
enum RFBBE {
    static func u16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    static func u32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}

/// What a device-side redirection state machine wants done.
public struct RedirectionEndpointOutput: Sendable, Equatable {
    /// Bytes to send to the client on the channel.
    public var bytes: [UInt8]
    /// True when the device ends the session: send the bytes, then close the channel.
    public var close: Bool

    public init(bytes: [UInt8] = [], close: Bool = false) {
        self.bytes = bytes
        self.close = close
    }

    mutating func append(_ other: RedirectionEndpointOutput) {
        self.bytes += other.bytes
        self.close = self.close || other.close
    }
}
