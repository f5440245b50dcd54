// SPDX-License-Identifier: Apache-2.0

/// A resumable RFC 6455 frame decoder that reassembles fragmented messages.
///
/// It enforces the masking rule for its role, the control-frame rules (≤ 125 bytes, never
/// fragmented), minimal length encoding, a message size limit and UTF-8 validity of text
/// messages and close reasons. It negotiates no extensions, so any RSV bit is an error.
/// It does not run the close handshake: the connection's state machine answers a close.
public struct WebSocketFrameDecoder: Sendable {
    private struct Header: Sendable {
        var fin: Bool
        var opcode: WebSocketOpcode
        var mask: UInt32?
        var length: Int
    }

    private enum State: Sendable {
        case header
        case payload(Header, [UInt8])
        case failed(WebSocketError)
    }

    public let role: WebSocketRole
    public let maxMessageSize: Int
    private var queue = ByteQueue()
    private var state = State.header
    private var fragments: (opcode: WebSocketOpcode, bytes: [UInt8])?

    public init(role: WebSocketRole, maxMessageSize: Int = 16 << 20) {
        self.role = role
        self.maxMessageSize = maxMessageSize
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        self.queue.append(bytes)
    }

    /// The next complete message or control frame, or nil if more bytes are needed.
    /// - Throws: ``WebSocketError``; the decoder then stays failed.
    public mutating func next() throws(WebSocketError) -> WebSocketMessage? {
        do throws(WebSocketError) {
            while true {
                switch self.state {
                case .failed(let error):
                    throw error
                case .header:
                    guard let header = try self.parseHeader() else { return nil }
                    if self.queue.count >= header.length {
                        // Fast path: the whole payload is here, one copy.
                        var payload = Array(self.queue.take(header.length))
                        if let mask = header.mask { unmask(&payload, mask) }
                        if let message = try self.deliver(header, payload) { return message }
                    } else {
                        self.state = .payload(header, [])
                    }
                case .payload(let header, var collected):
                    self.state = .header
                    let n = min(header.length - collected.count, self.queue.count)
                    if collected.isEmpty { collected.reserveCapacity(header.length) }
                    collected.append(contentsOf: self.queue.take(n))
                    guard collected.count == header.length else {
                        self.state = .payload(header, collected)
                        return nil
                    }
                    if let mask = header.mask { unmask(&collected, mask) }
                    if let message = try self.deliver(header, collected) { return message }
                }
            }
        } catch {
            self.state = .failed(error)
            throw error
        }
    }

    private mutating func parseHeader() throws(WebSocketError) -> Header? {
        guard self.queue.count >= 2 else { return nil }
        let b0 = self.queue[0]
        let b1 = self.queue[1]
        if b0 & 0x70 != 0 { throw .reservedBitsSet }
        guard let opcode = WebSocketOpcode(rawValue: b0 & 0x0F) else { throw .reservedOpcode(b0 & 0x0F) }
        let fin = b0 & 0x80 != 0
        let masked = b1 & 0x80 != 0
        switch (self.role, masked) {
        case (.server, false): throw .maskRequired
        case (.client, true): throw .unexpectedMask
        default: break
        }
        let len7 = Int(b1 & 0x7F)
        let extra = len7 == 126 ? 2 : len7 == 127 ? 8 : 0
        let headerLength = 2 + extra + (masked ? 4 : 0)
        guard self.queue.count >= headerLength else { return nil }
        var length = len7
        if extra == 2 {
            length = Int(self.queue[2]) << 8 | Int(self.queue[3])
            if length < 126 { throw .nonMinimalLength }
        } else if extra == 8 {
            var v: UInt64 = 0
            for i in 0..<8 { v = v << 8 | UInt64(self.queue[2 + i]) }
            // The most significant bit must be 0 (RFC 6455 §5.2).
            if v >> 63 != 0 || v <= 0xFFFF { throw .nonMinimalLength }
            guard v <= UInt64(self.maxMessageSize) else { throw .messageTooLarge }
            length = Int(v)
        }
        if opcode.isControl {
            if !fin { throw .fragmentedControlFrame }
            if length > 125 { throw .controlFrameTooLong }
        } else if length + (self.fragments?.bytes.count ?? 0) > self.maxMessageSize {
            throw .messageTooLarge
        }
        var mask: UInt32?
        if masked {
            let m = 2 + extra
            mask =
                UInt32(self.queue[m]) << 24 | UInt32(self.queue[m + 1]) << 16
                | UInt32(self.queue[m + 2]) << 8 | UInt32(self.queue[m + 3])
        }
        self.queue.consume(headerLength)
        return Header(fin: fin, opcode: opcode, mask: mask, length: length)
    }

    private mutating func deliver(_ header: Header, _ payload: [UInt8]) throws(WebSocketError) -> WebSocketMessage? {
        switch header.opcode {
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        case .close: return try Self.parseClose(payload)
        case .continuation:
            guard var pending = self.fragments else { throw .unexpectedContinuation }
            self.fragments = nil
            pending.bytes.append(contentsOf: payload)
            if !header.fin {
                self.fragments = pending
                return nil
            }
            return try Self.message(pending.opcode, pending.bytes)
        case .text, .binary:
            if self.fragments != nil { throw .expectedContinuation }
            if !header.fin {
                self.fragments = (header.opcode, payload)
                return nil
            }
            return try Self.message(header.opcode, payload)
        }
    }

    private static func message(_ opcode: WebSocketOpcode, _ bytes: [UInt8]) throws(WebSocketError) -> WebSocketMessage
    {
        if opcode == .binary { return .binary(bytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return .text(text)
    }

    /// RFC 6455 §5.5.1: empty, or a 2-byte code plus a UTF-8 reason.
    private static func parseClose(_ payload: [UInt8]) throws(WebSocketError) -> WebSocketMessage {
        if payload.isEmpty { return .close(code: 1005, reason: "") }
        guard payload.count >= 2 else { throw .invalidClosePayload }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard isValidWireCloseCode(code) else { throw .invalidCloseCode(code) }
        guard let reason = String(validating: payload[2...], as: UTF8.self) else { throw .invalidUTF8 }
        return .close(code: code, reason: reason)
    }
}

/// XORs `bytes` with the 4-byte masking key, eight bytes at a time (RFC 6455 §5.3).
func unmask(_ bytes: inout [UInt8], _ mask: UInt32) {
    let key: [UInt8] = [UInt8(mask >> 24), UInt8((mask >> 16) & 0xFF), UInt8((mask >> 8) & 0xFF), UInt8(mask & 0xFF)]
    bytes.withUnsafeMutableBytes { raw in
        let count = raw.count
        var wide: UInt64 = 0
        withUnsafeMutableBytes(of: &wide) { w in
            for i in 0..<8 { w[i] = key[i & 3] }
        }
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            raw.storeBytes(of: v ^ wide, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < count {
            raw[i] ^= key[i & 3]
            i += 1
        }
    }
}
