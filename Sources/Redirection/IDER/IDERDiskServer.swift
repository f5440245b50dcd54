// Redirection: the server as IDE-R disk provider, after the handshake (redirection.md §2.7).

/// The client end of an IDE-R session — the server offering a read-only CD image — as a
/// value-type state machine without I/O.
///
/// Sequence: OpenSession (0x40) → 0x41 (read buffer size at 16–17); REGS_TOGGLE (0x48, type 3,
/// enable + attach now) → 0x49; then the device's ATAPI packets (0x50) are answered: TEST
/// UNIT READY, INQUIRY, READ CAPACITY(10), READ(10) from the image (in pieces the caller reads
/// on request, sent as 0x54 of at most the device's buffer, the last marked "completed"),
/// START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL as no-ops; anything else, and every write
/// (0x53), is a check condition. Pings get pongs, a device reset gets its response, a device
/// close gets the close reply. ``stop()`` sends the close and waits for the reply.
///
/// TODO(#5): the spec gives the framing only. The status/sense bytes of 0x51 (28–30), the
/// transfer length of 0x54 (LE16 at 8) and the 0x53 length are this project's inference,
/// shared with the simulator; check them against a real device.
public struct IDERDiskServer: Sendable {
    public enum Action: Sendable, Equatable {
        case send([UInt8])
        /// Read `count` bytes of the image at `offset` and pass them to ``imageData(_:)``
        /// (fewer at the end of the image: the rest reads as zeros).
        case readImage(offset: UInt64, count: Int)
        /// The session is over; close the channel.
        case finished(IDEREnd)
    }

    enum State: Sendable, Equatable {
        case idle, awaitingOpenReply, awaitingFeatures, running, stopping, finished
    }

    /// A read the device asked for, served in pieces.
    struct Transfer: Sendable, Equatable {
        var offset: UInt64
        var remaining: Int
        var device: UInt8
    }

    public static let blockSize = 2048
    /// One piece of a READ(10) read from the image at a time.
    public static let readPiece = 64 * 1024
    /// Device messages longer than this are a protocol violation.
    static let maximumMessage = 70 * 1024

    public let imageSize: UInt64
    private(set) var state: State = .idle
    private var input: [UInt8] = []
    private var sequence: UInt32 = 0
    private var bufferSize = 8192
    private var transfer: Transfer?
    /// Bytes of image data sent, and commands answered, for the session record and tests.
    public private(set) var bytesServed: UInt64 = 0
    public private(set) var commandsAnswered = 0

    public init(imageSize: UInt64) { self.imageSize = imageSize }

    var blocks: UInt64 { (self.imageSize + UInt64(Self.blockSize) - 1) / UInt64(Self.blockSize) }

    /// Opens the IDE-R session; `leftover` are device bytes that followed the auth reply.
    public mutating func start(leftover: [UInt8] = []) -> [Action] {
        precondition(self.state == .idle, "the IDE-R session starts once")
        self.state = .awaitingOpenReply
        // rx timeout 30000 ms, tx timeout 0, heartbeat 20000 ms, version 1 (appendix A18).
        let open = self.header(0x40) + LE.u16(30000) + LE.u16(0) + LE.u16(20000) + LE.u32(1)
        return [.send(open)] + self.received(leftover)
    }

    /// Ends the session from our side: sends the close; the reply finishes it.
    public mutating func stop() -> [Action] {
        switch self.state {
        case .finished, .stopping: return []
        case .idle:
            self.state = .finished
            return [.finished(.stopped)]
        default:
            self.state = .stopping
            self.transfer = nil
            return [.send(self.header(0x42))]
        }
    }

    public var isFinished: Bool { self.state == .finished }

    /// Bytes from the device.
    public mutating func received(_ bytes: [UInt8]) -> [Action] {
        guard self.state != .finished else { return [] }
        self.input += bytes
        var actions: [Action] = []
        while self.state != .finished, let length = self.messageLength() {
            guard length <= Self.maximumMessage else {
                return actions + self.fail(.protocolViolation)
            }
            guard self.input.count >= length else { break }
            let message = Array(self.input.prefix(length))
            self.input.removeFirst(length)
            actions += self.handle(message)
        }
        if self.state != .finished, let first = self.input.first, Self.fixedLength(first) == nil,
            first != 0x41, first != 0x53
        {
            actions += self.fail(.protocolViolation)
        }
        return actions
    }

    /// The image bytes for the last `.readImage`.
    public mutating func imageData(_ bytes: [UInt8]) -> [Action] {
        guard self.state == .running, var t = self.transfer else { return [] }
        let piece = min(t.remaining, Self.readPiece)
        var data = Array(bytes.prefix(piece))
        if data.count < piece { data += [UInt8](repeating: 0, count: piece - data.count) }
        t.offset += UInt64(piece)
        t.remaining -= piece
        self.bytesServed += UInt64(piece)
        var actions: [Action] = []
        var start = 0
        while start < data.count {
            let end = min(data.count, start + self.bufferSize)
            let last = t.remaining == 0 && end == data.count
            actions.append(.send(self.dataToHost(Array(data[start..<end]), device: t.device, last: last)))
            start = end
        }
        if t.remaining == 0 {
            self.transfer = nil
            self.commandsAnswered += 1
        } else {
            self.transfer = t
            actions.append(.readImage(offset: t.offset, count: min(t.remaining, Self.readPiece)))
        }
        return actions
    }

    // MARK: - framing

    static func fixedLength(_ type: UInt8) -> Int? {
        switch type {
        case 0x42, 0x43, 0x44, 0x45, 0x4B: 8
        case 0x46: 9
        case 0x4A: 11
        case 0x49: 13
        case 0x50: 28
        default: nil
        }
    }

    /// The length of the message at the head of the input, nil if not yet known.
    private func messageLength() -> Int? {
        guard let type = self.input.first else { return nil }
        if let fixed = Self.fixedLength(type) { return fixed }
        switch type {
        case 0x41: return self.input.count >= 30 ? 30 + Int(self.input[29]) : nil
        case 0x53: return self.input.count >= 11 ? 14 + LE.u16(self.input, 9) : nil
        default: return nil
        }
    }

    private mutating func handle(_ m: [UInt8]) -> [Action] {
        switch (self.state, m[0]) {
        case (.awaitingOpenReply, 0x41):
            self.bufferSize = max(512, min(8192, LE.u16(m, 16)))
            guard m[21] == 0 else { return self.fail(.protocolViolation) }
            self.state = .awaitingFeatures
            // REGS_TOGGLE: enable (1) and attach immediately (0x18).
            return [.send(self.header(0x48) + [3] + LE.u32(0x19))]
        case (.awaitingFeatures, 0x49):
            guard m[8] == 3 else { return self.fail(.protocolViolation) }
            self.state = .running
            return []
        case (.stopping, 0x43), (_, 0x42):
            let reply: [Action] = m[0] == 0x42 ? [.send(self.header(0x43))] : []
            self.state = .finished
            return reply + [.finished(m[0] == 0x42 ? .deviceClosed : .stopped)]
        case (_, 0x44):
            return [.send(self.header(0x45))]
        case (_, 0x45), (_, 0x4B), (_, 0x4A):
            return []
        case (_, 0x46):
            self.transfer = nil
            return [.send(self.header(0x47))]
        case (.running, 0x50):
            guard self.transfer == nil else { return self.fail(.protocolViolation) }
            return self.command(Array(m[16..<28]), device: m[14])
        case (.running, 0x53):
            // A write to our read-only medium: DATA PROTECT, WRITE PROTECTED.
            return [.send(self.commandEnd(device: m[14], status: 2, sense: 7, asc: 0x27))]
        case (.stopping, _):
            return []  // late traffic before the close reply
        default:
            return self.fail(.protocolViolation)
        }
    }

    private mutating func command(_ packet: [UInt8], device: UInt8) -> [Action] {
        switch packet[0] {
        case 0x00, 0x1B, 0x1E:  // TEST UNIT READY, START STOP UNIT, PREVENT ALLOW REMOVAL
            self.commandsAnswered += 1
            return [.send(self.commandEnd(device: device))]
        case 0x12:  // INQUIRY: CD-ROM, removable
            var data: [UInt8] = [0x05, 0x80, 0x00, 0x21, 31, 0, 0, 0]
            data += Self.padded("MPS", 8) + Self.padded("IDE-R IMAGE", 16) + Self.padded("1.0", 4)
            self.commandsAnswered += 1
            let allocation = Int(packet[4])
            let reply = Array(data.prefix(allocation == 0 ? data.count : allocation))
            return [.send(self.dataToHost(reply, device: device, last: true))]
        case 0x25:  // READ CAPACITY(10): last LBA, block size (BE)
            self.commandsAnswered += 1
            let last = UInt32(clamping: max(1, self.blocks) - 1)
            let data = BE.u32(last) + BE.u32(UInt32(Self.blockSize))
            return [.send(self.dataToHost(data, device: device, last: true))]
        case 0x28:  // READ(10)
            let lba = UInt64(BE.u32(packet, 2))
            let count = UInt64(packet[7]) << 8 | UInt64(packet[8])
            guard lba + count <= self.blocks else {
                // ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE
                return [.send(self.commandEnd(device: device, status: 2, sense: 5, asc: 0x21))]
            }
            guard count > 0 else {
                self.commandsAnswered += 1
                return [.send(self.commandEnd(device: device))]
            }
            let t = Transfer(
                offset: lba * UInt64(Self.blockSize), remaining: Int(count) * Self.blockSize,
                device: device)
            self.transfer = t
            return [.readImage(offset: t.offset, count: min(t.remaining, Self.readPiece))]
        default:  // ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE
            return [.send(self.commandEnd(device: device, status: 2, sense: 5, asc: 0x20))]
        }
    }

    private mutating func fail(_ end: IDEREnd) -> [Action] {
        self.state = .finished
        return [.finished(end)]
    }

    // MARK: - encoding

    private mutating func header(_ type: UInt8, attributes: UInt8 = 0) -> [UInt8] {
        defer { self.sequence &+= 1 }
        return [type, 0, 0, attributes] + LE.u32(self.sequence)
    }

    /// 0x51, 31 bytes: completed; device echoed at 14; status, sense key, ASC at 28–30.
    private mutating func commandEnd(
        device: UInt8, status: UInt8 = 0, sense: UInt8 = 0, asc: UInt8 = 0
    ) -> [UInt8] {
        var m = self.header(0x51, attributes: 0b10) + [UInt8](repeating: 0, count: 23)
        m[14] = device
        m[28] = status
        m[29] = sense
        m[30] = asc
        return m
    }

    /// 0x54, 34 bytes + data: length LE16 at 8, device at 14; "completed" on the last piece.
    private mutating func dataToHost(_ data: [UInt8], device: UInt8, last: Bool) -> [UInt8] {
        var m = self.header(0x54, attributes: last ? 0b10 : 0) + [UInt8](repeating: 0, count: 26)
        m[8] = UInt8(data.count & 0xFF)
        m[9] = UInt8(data.count >> 8)
        m[14] = device
        return m + data
    }

    private static func padded(_ text: String, _ width: Int) -> [UInt8] {
        let bytes = Array(text.utf8.prefix(width))
        return bytes + [UInt8](repeating: 0x20, count: width - bytes.count)
    }
}

/// How an IDE-R session ended.
public enum IDEREnd: Sendable, Equatable, CustomStringConvertible {
    /// We stopped it (the device acknowledged the close).
    case stopped
    /// The device closed the session.
    case deviceClosed
    /// The device broke the IDE-R framing.
    case protocolViolation

    public var description: String {
        switch self {
        case .stopped: "IDE-R session stopped"
        case .deviceClosed: "device ended the IDE-R session"
        case .protocolViolation: "device broke the IDE-R protocol"
        }
    }
}

/// Little- and big-endian helpers for the redirection messages.
enum LE {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func u32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }
    static func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
}

enum BE {
    static func u32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
}
