// Simulator redirection: Serial-over-LAN framing on the device side (redirection.md §2.5).
internal import Foundation

/// AMT's side of a SOL session: answers StartSOLRedirection (0x20) with 0x21, carries console
/// bytes in 0x28 (in) and 0x2A (out), answers pings (0x24 → 0x25) and EndSOL (0x22 → 0x23),
/// accepts 0x27 and heartbeats, and sends 0x2B at the negotiated interval. The console itself
/// is ``SimulatedSOLConsole``. Unknown messages end the session.
public struct SimulatedSOLSession: Sendable {
    /// The console behind the serial port.
    public private(set) var console = SimulatedSOLConsole()
    /// True once 0x20 was answered.
    public private(set) var started = false
    /// Everything the client typed (0x28 payloads), for tests.
    public private(set) var received: [UInt8] = []
    private var sequence: UInt32 = 0
    private var maxTxBuffer = 1000
    private var heartbeat: Duration = .zero
    private var lastHeartbeat: Date

    init(now: Date) { self.lastHeartbeat = now }

    mutating func received(
        _ input: inout RedirectionByteQueue,
        now: Date
    ) -> RedirectionEndpointOutput? {
        let length: Int
        switch input[0] {
        case 0x20: length = 24
        case 0x27: length = 14
        case 0x22, 0x24, 0x2B: length = 8
        case 0x28:
            guard input.count >= 10 else { return nil }
            length = 10 + input.le16(8)
        default:
            return RedirectionEndpointOutput(close: true)
        }
        guard input.count >= length else { return nil }
        let message = input.take(length)
        let seq = Array(message[4..<8])
        switch message[0] {
        case 0x20:
            return self.start(message, now: now)
        case 0x28 where self.started:
            let data = Array(message[10...])
            self.received += data
            return self.data(self.console.input(data, now: now))
        case 0x24:
            return RedirectionEndpointOutput(bytes: [0x25, 0, 0, 0] + seq)
        case 0x22:
            return RedirectionEndpointOutput(bytes: [0x23, 0, 0, 0] + seq)
        case 0x27, 0x2B:
            return RedirectionEndpointOutput()  // 0x27's meaning is unknown (§2.5): accept it
        default:
            return RedirectionEndpointOutput(close: true)  // data before 0x20
        }
    }

    mutating func tick(now: Date) -> RedirectionEndpointOutput {
        guard self.started, self.heartbeat > .zero,
            now.timeIntervalSince(self.lastHeartbeat) >= seconds(self.heartbeat)
        else { return RedirectionEndpointOutput() }
        self.lastHeartbeat = now
        return RedirectionEndpointOutput(bytes: [0x2B, 0, 0, 0] + self.nextSequence())
    }

    private mutating func start(_ m: [UInt8], now: Date) -> RedirectionEndpointOutput {
        let le16 = { (o: Int) in Int(m[o]) | Int(m[o + 1]) << 8 }
        self.maxTxBuffer = max(16, le16(8))
        self.heartbeat = .milliseconds(le16(18))
        self.lastHeartbeat = now
        self.started = true
        // 0x21, the layout proposed in appendix A13 [INF]: header with the echoed sequence,
        // then MaxTx, MaxRx, TxTimeout, TxOverflowTimeout, HostSessionRxTimeout,
        // HostFifoRxFlushTimeout, Heartbeat, and an OEM length of 0.
        var reply: [UInt8] = [0x21, 0, 0, 0] + Array(m[4..<8])
        reply += Array(m[8..<10]) + Array(m[8..<10])
        reply += Array(m[10..<20]) + [0]
        var output = RedirectionEndpointOutput(bytes: reply)
        // Controls from host: RTS and DTR on, system powered (appendix A14).
        output.bytes += [0x29, 0, 0, 0] + self.nextSequence() + [0x03, 0x04]
        output.append(self.data(self.console.welcome(now: now)))
        return output
    }

    /// Console output as 0x2A messages no larger than the client's MaxTxBuffer.
    private mutating func data(_ text: [UInt8]) -> RedirectionEndpointOutput {
        var output = RedirectionEndpointOutput()
        var offset = 0
        let chunk = min(self.maxTxBuffer, 0xFFFF)
        while offset < text.count {
            let part = Array(text[offset..<min(text.count, offset + chunk)])
            output.bytes +=
                [0x2A, 0, 0, 0] + self.nextSequence() + RedirectionLE.u16(part.count) + part
            offset += part.count
        }
        output.close = self.console.wantsHangUp
        return output
    }

    private mutating func nextSequence() -> [UInt8] {
        self.sequence &+= 1
        return RedirectionLE.u32(self.sequence)
    }
}

func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
}
