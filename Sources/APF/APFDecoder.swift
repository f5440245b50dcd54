// APF: the resumable stream decoder (spec apf.md §2, §3.1).

/// Turns a byte stream into ``APFMessage`` values, one complete message at a time.
///
/// There is no framing in APF, so the decoder parses each message at the head of its buffer
/// and answers "need more" (`nil`), a message, or a fatal ``APFError``. Errors are sticky: once
/// thrown, every later call throws the same error, because the stream cannot be resynchronised.
/// Length limits are checked as soon as a length field is read, before its content arrives.
///
/// The decoder is role-aware. A `.server` decoder reads what a device sends and rejects as
/// unknown the messages only an MPS sends (and vice versa for `.device`). A `.device` decoder
/// must be told which global request each REQUEST_SUCCESS answers, because that reply has two
/// sizes; call ``noteSent(_:)`` for every message sent, or ``expectReply(_:)`` directly.
///
/// It does no I/O and keeps a read index into one buffer, compacting it only when the consumed
/// prefix dominates, so many messages arriving in one read cost linear time.
public struct APFDecoder: Sendable {
    /// Which side of the tunnel is decoding.
    public enum Role: Sendable {
        /// The MPS, decoding what a device sends.
        case server
        /// The device (simulator), decoding what an MPS sends.
        case device
    }

    public let role: Role
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var pendingReplies: [APFReplyKind] = []
    private var skipFailurePadding = false
    private var failure: APFError?

    public init(role: Role) { self.role = role }

    /// Bytes received but not yet returned as messages.
    public var bufferedByteCount: Int { self.buffer.count - self.readIndex }

    /// Adds received bytes to the buffer.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if self.readIndex == self.buffer.count {
            // Nothing buffered: take the bytes as they are (no copy when they are an array);
            // `next()` lets go of them once they are all parsed, so an idle tunnel holds none.
            self.buffer = Array(bytes)
            self.readIndex = 0
            return
        } else if self.readIndex >= 4096 && self.readIndex * 2 >= self.buffer.count {
            self.buffer.removeFirst(self.readIndex)
            self.readIndex = 0
        }
        self.buffer.append(contentsOf: bytes)
    }

    /// Records that a reply of `kind` is expected next (FIFO). Only the device role needs it.
    public mutating func expectReply(_ kind: APFReplyKind) { self.pendingReplies.append(kind) }

    /// Records a message this side sent, so a later reply can be sized correctly.
    public mutating func noteSent(_ message: APFMessage) {
        if case .globalRequest(let request) = message, let kind = request.replyKind {
            self.expectReply(kind)
        }
    }

    /// The next complete message, or nil if more bytes are needed.
    /// - Throws: ``APFError`` when the stream is malformed; the connection must be dropped.
    public mutating func next() throws(APFError) -> APFMessage? {
        if let failure = self.failure { throw failure }
        if self.skipFailurePadding, self.readIndex < self.buffer.count {
            // §3.1: the reference MPS sends a 15-byte USERAUTH_FAILURE; we parse the 14-byte
            // form and treat one trailing zero as padding (0 is no message type).
            self.skipFailurePadding = false
            if self.buffer[self.readIndex] == 0 { self.readIndex += 1 }
        }
        guard self.readIndex < self.buffer.count else { return nil }
        if let data = self.takeTrailingChannelData() { return data }
        var reader = APFReader(bytes: self.buffer, index: self.readIndex)
        let message: APFMessage
        do {
            message = try self.parse(&reader)
        } catch {
            switch error {
            case .needMore:
                self.reserveForChannelData()
                return nil
            case .fail(let failure):
                self.failure = failure
                throw failure
            }
        }
        self.readIndex = reader.index
        if self.readIndex == self.buffer.count {
            self.buffer = []
            self.readIndex = 0
        }
        switch message {
        case .userAuthFailure: self.skipFailurePadding = true
        case .requestSuccess, .requestFailure: self.pendingReplies.removeFirst()
        default: break
        }
        return message
    }

    /// Bulk data: a CHANNEL_DATA that ends exactly where the buffer ends (the sender's TLS
    /// records end with its messages) is returned in the buffer's own storage, moved down over
    /// its 9-byte header, instead of copied; the decoder starts a new buffer.
    private mutating func takeTrailingChannelData() -> APFMessage? {
        let start = self.readIndex
        let available = self.buffer.count - start
        guard available > 9 + Self.handOverMinimum, self.buffer[start] == APFType.channelData
        else { return nil }
        let length = self.u32(at: start + 5)
        guard length <= APFConstants.maxChannelData, available == 9 + Int(length) else {
            return nil
        }
        let recipient = self.u32(at: start + 1)
        var payload: [UInt8] = []
        swap(&payload, &self.buffer)
        self.readIndex = 0
        payload.removeFirst(start + 9)
        return .channelData(recipient: recipient, data: payload)
    }

    /// Payloads smaller than this are copied as usual (moving would cost a new buffer).
    static let handOverMinimum = 4096

    /// Room is made ahead only for payloads up to this size (a header alone never makes the
    /// decoder reserve more than a relay channel's window; larger ones grow as bytes arrive).
    static let reserveLimit = 256 * 1024

    /// A CHANNEL_DATA whose header has arrived but not its payload: makes room for all of it at
    /// once, instead of growing the buffer by doubling as records arrive (each growth a fresh
    /// allocation and copy). The length was checked against the limit by the parse.
    private mutating func reserveForChannelData() {
        let start = self.readIndex
        guard self.buffer.count - start >= 9, self.buffer[start] == APFType.channelData else {
            return
        }
        let length = Int(self.u32(at: start + 5))
        guard length > Self.handOverMinimum, length <= Self.reserveLimit,
            self.buffer.capacity < start + 9 + length
        else { return }
        if start > 0 {
            self.buffer.removeFirst(start)
            self.readIndex = 0
        }
        self.buffer.reserveCapacity(9 + length)
    }

    private func u32(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(self.buffer[index + i]) }
        return value
    }

    private static let serverAccepts: Set<UInt8> = [
        APFType.disconnect, APFType.serviceRequest, APFType.userAuthRequest,
        APFType.globalRequest, APFType.channelOpen, APFType.channelOpenConfirmation,
        APFType.channelOpenFailure, APFType.windowAdjust, APFType.channelData,
        APFType.channelClose, APFType.protocolVersion, APFType.keepAliveRequest,
        APFType.keepAliveReply, APFType.keepAliveOptionsReply,
    ]
    private static let deviceAccepts: Set<UInt8> = [
        APFType.disconnect, APFType.serviceAccept, APFType.userAuthFailure,
        APFType.userAuthSuccess, APFType.requestSuccess, APFType.requestFailure,
        APFType.channelOpen, APFType.channelOpenConfirmation, APFType.channelOpenFailure,
        APFType.windowAdjust, APFType.channelData, APFType.channelClose,
        APFType.keepAliveRequest, APFType.keepAliveReply, APFType.keepAliveOptionsRequest,
    ]

    private func parse(_ r: inout APFReader) throws(APFDecodeStop) -> APFMessage {
        let type = try r.u8()
        let accepted = self.role == .server ? Self.serverAccepts : Self.deviceAccepts
        guard accepted.contains(type) else { throw .fail(.unknownMessageType(type)) }
        switch type {
        case APFType.disconnect:
            let reason = try r.u32()
            _ = try r.u16()
            return .disconnect(reason: APFDisconnectReason(rawValue: reason))
        case APFType.serviceRequest: return .serviceRequest(try r.string())
        case APFType.serviceAccept: return .serviceAccept(try r.string())
        case APFType.userAuthRequest:
            let username = try r.string()
            let service = try r.string()
            let method = try r.string()
            // §8 item 18: only the "password" method has the flag and password fields.
            guard method == APFConstants.passwordMethod else {
                return .userAuthRequest(
                    username: username,
                    service: service,
                    method: method,
                    password: nil
                )
            }
            _ = try r.u8()
            let password = try r.string()
            return .userAuthRequest(
                username: username,
                service: service,
                method: method,
                password: password
            )
        case APFType.userAuthFailure:
            _ = try r.string()
            _ = try r.u8()
            return .userAuthFailure
        case APFType.userAuthSuccess: return .userAuthSuccess
        case APFType.globalRequest: return .globalRequest(try Self.parseGlobalRequest(&r))
        case APFType.requestSuccess:
            guard let kind = self.pendingReplies.first else { throw .fail(.unexpectedReply) }
            return .requestSuccess(port: kind == .tcpipForward ? try r.u32() : nil)
        case APFType.requestFailure:
            guard !self.pendingReplies.isEmpty else { throw .fail(.unexpectedReply) }
            return .requestFailure
        case APFType.channelOpen:
            let channelType = try r.string()
            let sender = try r.u32()
            let window = try r.u32()
            _ = try r.u32()  // reserved (SSH max packet)
            let connectedAddress = try r.string()
            let connectedPort = try r.u32()
            let originatorAddress = try r.string()
            let originatorPort = try r.u32()
            return .channelOpen(
                type: channelType,
                senderChannel: sender,
                initialWindow: window,
                connectedAddress: connectedAddress,
                connectedPort: connectedPort,
                originatorAddress: originatorAddress,
                originatorPort: originatorPort
            )
        case APFType.channelOpenConfirmation:
            let recipient = try r.u32()
            let sender = try r.u32()
            let window = try r.u32()
            _ = try r.u32()
            return .channelOpenConfirmation(
                recipient: recipient,
                sender: sender,
                initialWindow: window
            )
        case APFType.channelOpenFailure:
            let recipient = try r.u32()
            let reason = try r.u32()
            _ = try r.u32()
            _ = try r.u32()
            return .channelOpenFailure(
                recipient: recipient,
                reason: APFChannelOpenFailureReason(rawValue: reason)
            )
        case APFType.windowAdjust:
            let recipient = try r.u32()
            return .windowAdjust(recipient: recipient, bytes: try r.u32())
        case APFType.channelData:
            let recipient = try r.u32()
            let length = try r.u32()
            guard length <= APFConstants.maxChannelData else {
                throw .fail(.channelDataTooLarge(length: length))
            }
            return .channelData(recipient: recipient, data: try r.bytes(Int(length)))
        case APFType.channelClose: return .channelClose(recipient: try r.u32())
        case APFType.protocolVersion:
            let major = try r.u32()
            let minor = try r.u32()
            let trigger = try r.u32()
            let wire = try r.bytes(16)
            _ = try r.bytes(64)
            // 16 bytes always form a UUID string, so the fallback is unreachable.
            let uuid = APFGUID.string(fromWire: wire) ?? ""
            return .protocolVersion(major: major, minor: minor, trigger: trigger, uuid: uuid)
        case APFType.keepAliveRequest: return .keepAliveRequest(cookie: try r.u32())
        case APFType.keepAliveReply: return .keepAliveReply(cookie: try r.u32())
        case APFType.keepAliveOptionsRequest:
            let interval = try r.u32()
            return .keepAliveOptionsRequest(interval: interval, timeout: try r.u32())
        case APFType.keepAliveOptionsReply:
            let interval = try r.u32()
            return .keepAliveOptionsReply(interval: interval, timeout: try r.u32())
        default:
            preconditionFailure("accepted-type table and parser disagree on \(type)")
        }
    }

    private static func parseGlobalRequest(
        _ r: inout APFReader
    ) throws(APFDecodeStop) -> APFGlobalRequest {
        let name = try r.string()
        _ = try r.u8()  // want-reply: ignored, a reply is always sent (§3.1)
        switch name {
        case APFType.tcpipForward:
            let address = try r.string()
            return .tcpipForward(address: address, port: try r.u32())
        case APFType.cancelTcpipForward:
            let address = try r.string()
            return .cancelTcpipForward(address: address, port: try r.u32())
        case APFType.udpSendTo:
            let address = try r.string()
            let port = try r.u32()
            let originatorAddress = try r.string()
            let originatorPort = try r.u32()
            let length = try r.u32()
            guard length <= APFConstants.maxDatagram else {
                throw .fail(.datagramTooLarge(length: length))
            }
            return .udpSendTo(
                address: address,
                port: port,
                originatorAddress: originatorAddress,
                originatorPort: originatorPort,
                data: try r.bytes(Int(length))
            )
        default:
            // §8 item 17: the body length of an unknown request is unknowable.
            throw .fail(.unknownGlobalRequest(name: name))
        }
    }
}

/// Why a parse attempt stopped: not enough bytes yet, or a fatal error.
enum APFDecodeStop: Error {
    case needMore
    case fail(APFError)
}

/// Reads big-endian fields from a buffer starting at an index, without copying the buffer.
struct APFReader {
    let bytes: [UInt8]
    var index: Int

    mutating func u8() throws(APFDecodeStop) -> UInt8 {
        guard self.index < self.bytes.count else { throw .needMore }
        defer { self.index += 1 }
        return self.bytes[self.index]
    }

    mutating func u16() throws(APFDecodeStop) -> UInt16 {
        guard self.bytes.count - self.index >= 2 else { throw .needMore }
        defer { self.index += 2 }
        return UInt16(self.bytes[self.index]) << 8 | UInt16(self.bytes[self.index + 1])
    }

    mutating func u32() throws(APFDecodeStop) -> UInt32 {
        guard self.bytes.count - self.index >= 4 else { throw .needMore }
        defer { self.index += 4 }
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(self.bytes[self.index + i]) }
        return value
    }

    mutating func bytes(_ count: Int) throws(APFDecodeStop) -> [UInt8] {
        guard self.bytes.count - self.index >= count else { throw .needMore }
        defer { self.index += count }
        return Array(self.bytes[self.index..<self.index + count])
    }

    /// A length-prefixed UTF-8 string, limited to ``APFConstants/maxStringLength`` bytes.
    mutating func string() throws(APFDecodeStop) -> String {
        let length = try self.u32()
        guard length <= APFConstants.maxStringLength else {
            throw .fail(.stringTooLong(length: length))
        }
        let raw = try self.bytes(Int(length))
        guard let text = String(validating: raw, as: UTF8.self) else { throw .fail(.invalidString) }
        return text
    }
}
