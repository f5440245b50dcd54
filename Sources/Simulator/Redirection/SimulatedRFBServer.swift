// Simulator redirection: the RFB 3.8 server behind KVM redirection (redirection.md §2.6,
// RFC 6143).
internal import Foundation

/// AMT's RFB server, as a state machine: version 3.8, security None (the redirection digest
/// already authenticated), ServerInit in RGB565 little-endian like AMT, SetPixelFormat
/// (RGB565, RGB332, grey 8), SetEncodings, and FramebufferUpdate with one 64x64 tile per
/// rectangle, ZRLE over one zlib stream of stored blocks (Raw if ZRLE is not offered).
/// The screen is ``SimulatedDesktop``: a clock and a moving bar, typed characters, a cursor
/// mark. It does not implement DesktopSize, cut text or Intel's KvmExtCmd answers.
public struct SimulatedRFBServer: Sendable {
    public struct Configuration: Sendable {
        public var width = 640
        public var height = 400
        public var name = "Intel(r) AMT KVM"
        /// Security types offered; AMT offers None and its own 0x80 (§2.6 item 2).
        public var securityTypes: [UInt8] = [1, 0x80]
        public init() {}
    }

    enum Phase: Sendable { case version, security, clientInit, normal }

    struct Request: Sendable {
        var incremental: Bool
        var x: Int, y: Int, width: Int, height: Int
    }

    static let tile = 64
    /// Cut text larger than this ends the session rather than being buffered.
    static let maximumCutText = 1 << 20

    public let configuration: Configuration
    private var phase = Phase.version
    public private(set) var format = RFBPixelFormat.rgb565
    public private(set) var encodings: [Int32] = []
    public private(set) var desktop: SimulatedDesktop
    private var zlib = ZlibStoredStream()
    private var request: Request?
    /// The screen as the client last received it; nil before the first update.
    private var sent: SimulatedScreen?
    /// Updates sent, for tests.
    public private(set) var updatesSent = 0

    init(configuration: Configuration) {
        self.configuration = configuration
        self.desktop = SimulatedDesktop(width: configuration.width, height: configuration.height)
    }

    /// The server's ProtocolVersion, sent first.
    static let version = Array("RFB 003.008\n".utf8)

    mutating func received(
        _ input: inout RedirectionByteQueue,
        now: Date
    ) -> RedirectionEndpointOutput? {
        switch self.phase {
        case .version:
            guard input.count >= 12 else { return nil }
            let version = String(decoding: input.take(12), as: UTF8.self)
            guard version == "RFB 003.008\n" else { return RedirectionEndpointOutput(close: true) }
            self.phase = .security
            let types = self.configuration.securityTypes
            return RedirectionEndpointOutput(bytes: [UInt8(types.count)] + types)
        case .security:
            let choice = input.take(1)[0]
            guard choice == 1 else {
                let reason = Array("unsupported security type".utf8)
                let bytes = RFBBE.u32(1) + RFBBE.u32(UInt32(reason.count)) + reason
                return RedirectionEndpointOutput(bytes: bytes, close: true)
            }
            self.phase = .clientInit
            return RedirectionEndpointOutput(bytes: RFBBE.u32(0))
        case .clientInit:
            input.drop(1)  // the shared flag: AMT has one console, shared or not
            self.phase = .normal
            let name = Array(self.configuration.name.utf8)
            let bytes =
                RFBBE.u16(self.configuration.width) + RFBBE.u16(self.configuration.height)
                + RFBPixelFormat.rgb565.bytes + RFBBE.u32(UInt32(name.count)) + name
            return RedirectionEndpointOutput(bytes: bytes)
        case .normal:
            return self.message(&input, now: now)
        }
    }

    private mutating func message(
        _ input: inout RedirectionByteQueue,
        now: Date
    ) -> RedirectionEndpointOutput? {
        switch input[0] {
        case 0:  // SetPixelFormat
            guard input.count >= 20 else { return nil }
            let format = RFBPixelFormat(bytes: input.take(20).suffix(16).map { $0 })
            guard format.isSupported else { return RedirectionEndpointOutput(close: true) }
            self.format = format
            self.sent = nil  // the next update repaints everything in the new format
            return RedirectionEndpointOutput()
        case 2:  // SetEncodings
            guard input.count >= 4 else { return nil }
            let count = input.be16(2)
            guard input.count >= 4 + 4 * count else { return nil }
            self.encodings = (0..<count).map { Int32(bitPattern: input.be32(4 + 4 * $0)) }
            input.drop(4 + 4 * count)
            return RedirectionEndpointOutput()
        case 3:  // FramebufferUpdateRequest
            guard input.count >= 10 else { return nil }
            self.request = Request(
                incremental: input[1] != 0,
                x: input.be16(2),
                y: input.be16(4),
                width: input.be16(6),
                height: input.be16(8)
            )
            input.drop(10)
            return self.update()
        case 4:  // KeyEvent
            guard input.count >= 8 else { return nil }
            let down = input[1] != 0
            let keysym = input.be32(4)
            input.drop(8)
            if down { self.desktop.key(keysym) }
            return self.update()
        case 5:  // PointerEvent
            guard input.count >= 6 else { return nil }
            self.desktop.pointer(x: input.be16(2), y: input.be16(4), buttons: input[1])
            input.drop(6)
            return self.update()
        case 6:  // ClientCutText
            guard input.count >= 8 else { return nil }
            let length = Int(input.be32(4))
            guard length <= Self.maximumCutText else {
                return RedirectionEndpointOutput(close: true)
            }
            guard input.count >= 8 + length else { return nil }
            // TODO(#5): answer Intel's KvmExtCmd and KvmDataChannel messages (§2.6 item 13).
            input.drop(8 + length)
            return RedirectionEndpointOutput()
        default:
            return RedirectionEndpointOutput(close: true)
        }
    }

    mutating func tick(now: Date) -> RedirectionEndpointOutput {
        guard self.phase == .normal else { return RedirectionEndpointOutput() }
        self.desktop.clock(now)
        return self.update()
    }

    /// Answers the pending request if anything in it changed (or it is a full request).
    private mutating func update() -> RedirectionEndpointOutput {
        guard let request = self.request else { return RedirectionEndpointOutput() }
        let screen = self.desktop.render()
        let full = !request.incremental || self.sent == nil
        var rects: [UInt8] = []
        var count = 0
        let tile = Self.tile
        let x1 = min(screen.width, request.x + request.width)
        let y1 = min(screen.height, request.y + request.height)
        for ty in stride(from: (request.y / tile) * tile, to: y1, by: tile) {
            for tx in stride(from: (request.x / tile) * tile, to: x1, by: tile) {
                let w = min(tile, screen.width - tx)
                let h = min(tile, screen.height - ty)
                let indices = Self.tilePixels(screen, x: tx, y: ty, width: w, height: h)
                if !full, let sent = self.sent,
                    Self.tilePixels(sent, x: tx, y: ty, width: w, height: h) == indices
                {
                    continue
                }
                rects += self.rectangle(indices, x: tx, y: ty, width: w, height: h)
                count += 1
            }
        }
        guard count > 0 else { return RedirectionEndpointOutput() }
        self.request = nil
        self.sent = screen
        self.updatesSent += 1
        return RedirectionEndpointOutput(bytes: [0, 0] + RFBBE.u16(count) + rects)
    }

    private mutating func rectangle(_ indices: [UInt8], x: Int, y: Int, width: Int, height: Int)
        -> [UInt8]
    {
        let colours = SimulatedScreen.palette.map { self.format.encode(r: $0.r, g: $0.g, b: $0.b) }
        var out = RFBBE.u16(x) + RFBBE.u16(y) + RFBBE.u16(width) + RFBBE.u16(height)
        if self.encodings.contains(16) {
            let compressed = self.zlib.write(ZRLETile.encode(indices, colours: colours))
            out += RFBBE.u32(16) + RFBBE.u32(UInt32(compressed.count)) + compressed
        } else {
            out += RFBBE.u32(0)
            for i in indices { out += colours[Int(i)] }
        }
        return out
    }

    static func tilePixels(_ s: SimulatedScreen, x: Int, y: Int, width: Int, height: Int) -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(width * height)
        for row in y..<(y + height) {
            let base = row * s.width + x
            out += s.pixels[base..<(base + width)]
        }
        return out
    }
}

/// KVM after authentication: the 0x40/0x41 exchange (§2.6), then plain RFB.
public struct SimulatedKVMSession: Sendable {
    public private(set) var rfb: SimulatedRFBServer
    public private(set) var started = false

    init(configuration: SimulatedRFBServer.Configuration) {
        self.rfb = SimulatedRFBServer(configuration: configuration)
    }

    mutating func received(
        _ input: inout RedirectionByteQueue,
        now: Date
    ) -> RedirectionEndpointOutput? {
        guard self.started else {
            guard input[0] == 0x40 else { return RedirectionEndpointOutput(close: true) }
            guard input.count >= 8 else { return nil }
            input.drop(8)
            self.started = true
            return RedirectionEndpointOutput(
                bytes: [0x41, 0, 0, 0, 0, 0, 0, 0] + SimulatedRFBServer.version
            )
        }
        return self.rfb.received(&input, now: now)
    }

    mutating func tick(now: Date) -> RedirectionEndpointOutput {
        self.started ? self.rfb.tick(now: now) : RedirectionEndpointOutput()
    }
}
