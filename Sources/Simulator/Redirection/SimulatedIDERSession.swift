// Simulator redirection: IDE-R framing on the device side (redirection.md §2.1, §2.7).
internal import Foundation

/// AMT's side of an IDE-R session, at the framing level: OpenSession (0x40) → 0x41, feature
/// toggles (0x48 → 0x49), pings (0x44 → 0x45), heartbeats (0x4B both ways), close (0x42 →
/// 0x43). Once the client enables the drives, the "BIOS" issues one ATAPI TEST UNIT READY
/// (0x50) to the CD and records the client's answers (0x51, 0x54).
///
/// TODO(#5): a real command sequence (INQUIRY, READ CAPACITY, READ(10)) and checking of the
/// data read; the spec describes the framing only and several field offsets are inferred.
public struct SimulatedIDERSession: Sendable {
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
            return RedirectionEndpointOutput()
        case 0x54:
            self.dataReceived += length - 34
            if m[3] & 0b10 != 0 { self.commandsCompleted += 1 }  // "completed" attribute bit
            return RedirectionEndpointOutput()
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

    /// 0x50 with an ATAPI TEST UNIT READY for the CD (device select 0xB0 at byte 14, the
    /// 12-byte packet at 16–27 [INF]).
    private mutating func testUnitReady() -> [UInt8] {
        self.commandsIssued += 1
        var m = self.header(0x50) + [UInt8](repeating: 0, count: 20)
        m[14] = 0xB0
        return m
    }

    private mutating func header(_ type: UInt8) -> [UInt8] {
        defer { self.sequence &+= 1 }
        return [type, 0, 0, 0] + RedirectionLE.u32(self.sequence)
    }
}
