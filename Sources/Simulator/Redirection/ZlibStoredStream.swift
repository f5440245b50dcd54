// Simulator redirection: one zlib stream of stored deflate blocks (RFC 1950, RFC 1951 §3.2.4).

/// Adler-32 (RFC 1950 §8.2), updated incrementally.
public struct Adler32: Sendable, Equatable {
    public private(set) var a: UInt32 = 1
    public private(set) var b: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: some Collection<UInt8>) {
        // 5552 is the largest run for which b cannot overflow 32 bits before the modulo.
        var pending = 0
        for byte in bytes {
            self.a += UInt32(byte)
            self.b += self.a
            pending += 1
            if pending == 5552 {
                self.a %= 65521
                self.b %= 65521
                pending = 0
            }
        }
        self.a %= 65521
        self.b %= 65521
    }

    public var value: UInt32 { self.b << 16 | self.a }
}

/// A zlib stream that never compresses: a header, then stored blocks, then (on `finish`) a
/// final empty block and the Adler-32 trailer. Like AMT with compression off (redirection.md
/// §2.6 item 10, appendix A15), each call's output is whole blocks, so a persistent inflater
/// on the other side delivers every chunk completely. It deliberately does no LZ77 work.
public struct ZlibStoredStream: Sendable {
    /// The largest stored block (LEN is 16 bits).
    public static let maximumBlock = 65535

    private var started = false
    private var finished = false
    private var checksum = Adler32()
    /// Append zlib's sync-flush marker (an empty stored block) after each chunk, as
    /// `Z_SYNC_FLUSH` output would; AMT's own stored rectangles omit it.
    public var syncFlush: Bool

    public init(syncFlush: Bool = false) { self.syncFlush = syncFlush }

    /// The checksum of everything written so far.
    public var adler32: UInt32 { self.checksum.value }

    /// The zlib bytes that carry `data` (the stream header first, on the first call).
    public mutating func write(_ data: [UInt8]) -> [UInt8] {
        precondition(!self.finished, "write after finish")
        var out: [UInt8] = []
        if !self.started {
            // CMF 0x78 (deflate, 32 KiB window), FLG 0x9C: the header AMT sends (A15);
            // 0x789C is a multiple of 31 as RFC 1950 requires.
            out += [0x78, 0x9C]
            self.started = true
        }
        self.checksum.update(data)
        var offset = 0
        repeat {
            let count = min(Self.maximumBlock, data.count - offset)
            out += Self.storedBlock(data[offset..<(offset + count)], final: false)
            offset += count
        } while offset < data.count
        if self.syncFlush, !data.isEmpty { out += Self.storedBlock([], final: false) }
        return out
    }

    /// Ends the stream: a final empty stored block and the big-endian Adler-32.
    public mutating func finish() -> [UInt8] {
        precondition(!self.finished, "finish once")
        var out: [UInt8] = self.started ? [] : [0x78, 0x9C]
        self.started = true
        self.finished = true
        out += Self.storedBlock([], final: true)
        let v = self.checksum.value
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        return out
    }

    /// BFINAL/BTYPE=00 in one byte (we stay byte-aligned), LEN and NLEN little-endian, data.
    static func storedBlock(_ data: some Collection<UInt8>, final: Bool) -> [UInt8] {
        let len = UInt16(data.count)
        let nlen = ~len
        return [
            final ? 1 : 0, UInt8(len & 0xFF), UInt8(len >> 8), UInt8(nlen & 0xFF), UInt8(nlen >> 8),
        ]
            + Array(data)
    }
}
