// SPDX-License-Identifier: Apache-2.0

internal import Crypto

/// Encodes WebSocket frames: unmasked for a server, masked with a fresh random key per frame
/// for a client (RFC 6455 §5.3). It never fragments; callers split huge messages if they want.
public struct WebSocketFrameEncoder: Sendable {
    public let role: WebSocketRole

    public init(role: WebSocketRole) {
        self.role = role
    }

    /// One frame holding `message`. A close reason is cut to 123 bytes on a character boundary.
    public func encode(_ message: WebSocketMessage) -> [UInt8] {
        switch message {
        case .text(let s): return self.frame(.text, Array(s.utf8))
        case .binary(let b): return self.frame(.binary, b)
        case .ping(let b): return self.frame(.ping, Array(b.prefix(125)))
        case .pong(let b): return self.frame(.pong, Array(b.prefix(125)))
        case .close(let code, let reason):
            var payload: [UInt8] = []
            if code != 1005 {
                payload = [UInt8(code >> 8), UInt8(code & 0xFF)]
                var cut = Substring(reason)
                while cut.utf8.count > 123 { cut.removeLast() }
                payload.append(contentsOf: cut.utf8)
            }
            return self.frame(.close, payload)
        }
    }

    /// The header of an unmasked (server) frame carrying `length` payload bytes, for a sender
    /// that writes a large payload after it as it is instead of copying it into a frame.
    public func serverHeader(_ opcode: WebSocketOpcode, length: Int, fin: Bool = true) -> [UInt8] {
        precondition(self.role == .server, "client frames are masked: use frame(_:_:fin:)")
        var out: [UInt8] = []
        out.reserveCapacity(10)
        out.append((fin ? 0x80 : 0) | opcode.rawValue)
        Self.appendLength(length, maskBit: 0, to: &out)
        return out
    }

    /// A single frame with an explicit opcode and FIN bit.
    public func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        let masked = self.role == .client
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 14)
        out.append((fin ? 0x80 : 0) | opcode.rawValue)
        Self.appendLength(payload.count, maskBit: masked ? 0x80 : 0, to: &out)
        guard masked else {
            out.append(contentsOf: payload)
            return out
        }
        let key = SecureRandom.bytes(4)
        out.append(contentsOf: key)
        var body = payload
        unmask(&body, UInt32(key[0]) << 24 | UInt32(key[1]) << 16 | UInt32(key[2]) << 8 | UInt32(key[3]))
        out.append(contentsOf: body)
        return out
    }

    private static func appendLength(_ n: Int, maskBit: UInt8, to out: inout [UInt8]) {
        if n < 126 {
            out.append(maskBit | UInt8(n))
        } else if n <= 0xFFFF {
            out.append(maskBit | 126)
            out.append(UInt8(n >> 8))
            out.append(UInt8(n & 0xFF))
        } else {
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8((UInt64(n) >> UInt64(shift)) & 0xFF))
            }
        }
    }
}
