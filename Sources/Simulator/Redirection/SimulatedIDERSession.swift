// Simulator redirection: IDE-R framing on the device side (redirection.md §2.1, §2.7).
internal import Crypto
internal import Foundation

/// AMT's side of an IDE-R session, at the framing level: OpenSession (0x40) → 0x41, feature
/// toggles (0x48 → 0x49), pings (0x44 → 0x45), heartbeats (0x4B both ways), close (0x42 →
/// 0x43). Once the client enables the drives, the "BIOS" reads the CD the client offers:
/// TEST UNIT READY, READ CAPACITY(10), then READ(10) of every block (16 per command, up to
/// ``maximumReadBytes``), and keeps the SHA-256 of what it read so a test can compare it with
/// the image it created.
///
/// TODO(#5): the spec describes the framing only; the status bytes of 0x51 (status, sense key
/// and ASC at 28–30) and the 0x54 length at 8 are this project's inference, shared with the
/// server's disk provider. Floppy (0xA0) and writes are not exercised.
public struct SimulatedIDERSession: Sendable {
    /// The read sequence stops after this many bytes (the digest covers what was read).
    public static let maximumReadBytes = 64 << 20
    static let blocksPerRead = 16

    enum Command: Sendable, Equatable {
        case testUnitReady, readCapacity
        case read(lba: UInt32, blocks: Int)
    }

    /// The CD's size as READ CAPACITY reported it (blocks, bytes per block).
    public private(set) var capacity: (blocks: Int, blockSize: Int)?
    /// Bytes of image data read by READ(10).
    public private(set) var bytesRead = 0
    /// Lowercase hex SHA-256 of everything read, once the read sequence finished.
    public private(set) var readDigest: String?
    /// The sense key of a command the client failed (check condition), if any.
    public private(set) var lastSenseKey: UInt8?
    private var pending: Command?
    private var transfer: [UInt8] = []
    private var image: [UInt8] = []
    public private(set) var opened = false
    /// The last REGS_TOGGLE value the client set (bit 0 = enabled).
    public private(set) var features: UInt32 = 0
    /// ATAPI packets the device issued and how many the client completed.
    public private(set) var commandsIssued = 0
    public private(set) var commandsCompleted = 0
    /// Bytes of "data to host" (0x54 payloads) the client sent.
    public private(set) var dataReceived = 0
    private var sequence: UInt32 = 0
    private var heartbeat: Duration = .zero
    private var lastHeartbeat: Date

    init(now: Date) { self.lastHeartbeat = now }

    mutating func received(
        _ input: inout RedirectionByteQueue,
        now: Date
    ) -> RedirectionEndpointOutput? {
        let length: Int
        switch input[0] {
        case 0x40: length = 18
        case 0x42, 0x44, 0x47, 0x4B: length = 8
        case 0x48: length = 13
        case 0x51, 0x52: length = 31
        case 0x54:
            // [INF] the transfer length is taken as LE16 at offset 8, after the header.
            guard input.count >= 10 else { return nil }
            length = 34 + input.le16(8)
        default:
            return RedirectionEndpointOutput(close: true)
        }
        guard input.count >= length else { return nil }
        let m = input.take(length)
        guard self.opened || m[0] == 0x40 else { return RedirectionEndpointOutput(close: true) }
        switch m[0] {
        case 0x40: return self.open(m, now: now)
        case 0x42: return RedirectionEndpointOutput(bytes: self.header(0x43), close: true)
        case 0x44: return RedirectionEndpointOutput(bytes: self.header(0x45))
        case 0x48:
            let type = m[8]
            let value =
                UInt32(m[9]) | UInt32(m[10]) << 8 | UInt32(m[11]) << 16 | UInt32(m[12]) << 24
            var bytes = self.header(0x49) + [type] + RedirectionLE.u32(value)
            if type == 3 {
                let wasEnabled = self.features & 1 != 0
                self.features = value
                if !wasEnabled, value & 1 != 0 { bytes += self.testUnitReady() }
            }
            return RedirectionEndpointOutput(bytes: bytes)
        case 0x51:
            self.commandsCompleted += 1
            return RedirectionEndpointOutput(bytes: self.finished(status: m[28], sense: m[29]))
        case 0x54:
            self.dataReceived += length - 34
            self.transfer += m[34...]
            guard self.transfer.count <= 1 << 20 else { return RedirectionEndpointOutput(close: true) }
            guard m[3] & 0b10 != 0 else { return RedirectionEndpointOutput() }  // "completed" bit
            self.commandsCompleted += 1
            return RedirectionEndpointOutput(bytes: self.finished(status: 0, sense: 0))
        default:
            return RedirectionEndpointOutput()  // 0x47, 0x4B, 0x52: accepted
        }
    }

    mutating func tick(now: Date) -> RedirectionEndpointOutput {
        guard self.opened, self.heartbeat > .zero,
            now.timeIntervalSince(self.lastHeartbeat) >= seconds(self.heartbeat)
        else { return RedirectionEndpointOutput() }
        self.lastHeartbeat = now
        return RedirectionEndpointOutput(bytes: self.header(0x4B))
    }

    private mutating func open(_ m: [UInt8], now: Date) -> RedirectionEndpointOutput {
        guard !self.opened else { return RedirectionEndpointOutput(close: true) }
        self.opened = true
        self.heartbeat = .milliseconds(Int(m[12]) | Int(m[13]) << 8)
        self.lastHeartbeat = now
        // 0x41, 30 bytes, at the offsets UITK reads (§2.7): versions at 8–11, read and write
        // buffer sizes at 16–19, protocol 0 at 21, IANA number (Intel, 343) at 25, OEM length 0.
        var reply = self.header(0x41)
        reply += [1, 0, 15, 0, 0, 0, 0, 0]
        reply += RedirectionLE.u16(8192) + RedirectionLE.u16(8192)
        reply += [0, 0, 0, 0, 0] + RedirectionLE.u32(343) + [0]
        return RedirectionEndpointOutput(bytes: reply)
    }

    /// The client completed the pending command (a 0x51 or the last 0x54 of a transfer):
    /// the next command to issue, if any.
    private mutating func finished(status: UInt8, sense: UInt8) -> [UInt8] {
        let data = self.transfer
        self.transfer = []
        guard let command = self.pending else { return [] }
        self.pending = nil
        guard status == 0 else {
            self.lastSenseKey = sense
            return []
        }
        switch command {
        case .testUnitReady:
            return self.issue(.readCapacity)
        case .readCapacity:
            guard data.count >= 8 else { return [] }
            let last = Int(data[0]) << 24 | Int(data[1]) << 16 | Int(data[2]) << 8 | Int(data[3])
            let size = Int(data[4]) << 24 | Int(data[5]) << 16 | Int(data[6]) << 8 | Int(data[7])
            guard size > 0, size <= 4096 else { return [] }
            self.capacity = (last + 1, size)
            return self.nextRead(after: 0)
        case .read(let lba, let blocks):
            guard let capacity = self.capacity, data.count == blocks * capacity.blockSize else {
                self.lastSenseKey = 0xFF  // the client sent the wrong amount
                return []
            }
            self.image += data
            self.bytesRead += data.count
            return self.nextRead(after: Int(lba) + blocks)
        }
    }

    private mutating func nextRead(after lba: Int) -> [UInt8] {
        guard let capacity = self.capacity else { return [] }
        let limit = min(capacity.blocks, Self.maximumReadBytes / capacity.blockSize)
        guard lba < limit else {
            self.readDigest = hex(Hash.sha256(self.image))
            self.image = []
            return []
        }
        return self.issue(.read(lba: UInt32(lba), blocks: min(Self.blocksPerRead, limit - lba)))
    }

    /// 0x50 with an ATAPI packet for the CD (device select 0xB0 at byte 14, the 12-byte packet
    /// at 16–27 [INF]).
    private mutating func issue(_ command: Command) -> [UInt8] {
        self.commandsIssued += 1
        self.pending = command
        var m = self.header(0x50) + [UInt8](repeating: 0, count: 20)
        m[14] = 0xB0
        switch command {
        case .testUnitReady: m[16] = 0x00
        case .readCapacity: m[16] = 0x25
        case .read(let lba, let blocks):
            m[16] = 0x28
            m[18] = UInt8(lba >> 24)
            m[19] = UInt8((lba >> 16) & 0xFF)
            m[20] = UInt8((lba >> 8) & 0xFF)
            m[21] = UInt8(lba & 0xFF)
            m[23] = UInt8(blocks >> 8)
            m[24] = UInt8(blocks & 0xFF)
        }
        return m
    }

    private mutating func testUnitReady() -> [UInt8] { self.issue(.testUnitReady) }

    private mutating func header(_ type: UInt8) -> [UInt8] {
        defer { self.sequence &+= 1 }
        return [type, 0, 0, 0] + RedirectionLE.u32(self.sequence)
    }
}
