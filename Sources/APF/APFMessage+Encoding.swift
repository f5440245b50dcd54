// APF: serialising messages to wire bytes (spec apf.md §3.1).

extension APFMessage {
    /// The wire bytes of this message.
    ///
    /// USERAUTH_FAILURE is written in the 15-byte form every deployed AMT has seen (§3.1).
    /// A PROTOCOLVERSION whose `uuid` is not a valid UUID string is a programming error of the
    /// caller (validate configuration with ``APFGUID/normalize(_:)`` first).
    public func encode() -> [UInt8] {
        var w = APFWriter()
        switch self {
        case .disconnect(let reason):
            w.u8(APFType.disconnect)
            w.u32(reason.rawValue)
            w.u16(0)
        case .serviceRequest(let name):
            w.u8(APFType.serviceRequest)
            w.string(name)
        case .serviceAccept(let name):
            w.u8(APFType.serviceAccept)
            w.string(name)
        case .userAuthRequest(let username, let service, let method, let password):
            w.u8(APFType.userAuthRequest)
            w.string(username)
            w.string(service)
            w.string(method)
            if method == APFConstants.passwordMethod {
                w.u8(0)  // SSH "change password" flag, always false
                w.string(password ?? "")
            }
        case .userAuthFailure:
            w.u8(APFType.userAuthFailure)
            w.string(APFConstants.passwordMethod)
            w.u8(0)  // partial success = false
            w.u8(0)  // the reference servers' extra zero byte (§3.1, 15-byte form)
        case .userAuthSuccess:
            w.u8(APFType.userAuthSuccess)
        case .globalRequest(let request):
            w.u8(APFType.globalRequest)
            Self.encode(request, into: &w)
        case .requestSuccess(let port):
            w.u8(APFType.requestSuccess)
            if let port { w.u32(port) }
        case .requestFailure:
            w.u8(APFType.requestFailure)
        case .channelOpen(
            let type,
            let sender,
            let window,
            let connectedAddress,
            let connectedPort,
            let originatorAddress,
            let originatorPort
        ):
            w.u8(APFType.channelOpen)
            w.string(type)
            w.u32(sender)
            w.u32(window)
            w.u32(0xFFFF_FFFF)
            w.string(connectedAddress)
            w.u32(connectedPort)
            w.string(originatorAddress)
            w.u32(originatorPort)
        case .channelOpenConfirmation(let recipient, let sender, let window):
            w.u8(APFType.channelOpenConfirmation)
            w.u32(recipient)
            w.u32(sender)
            w.u32(window)
            w.u32(0xFFFF_FFFF)
        case .channelOpenFailure(let recipient, let reason):
            w.u8(APFType.channelOpenFailure)
            w.u32(recipient)
            w.u32(reason.rawValue)
            w.u32(0)
            w.u32(0)
        case .windowAdjust(let recipient, let bytes):
            w.u8(APFType.windowAdjust)
            w.u32(recipient)
            w.u32(bytes)
        case .channelData(let recipient, let data):
            w.u8(APFType.channelData)
            w.u32(recipient)
            w.bytes(data)
        case .channelClose(let recipient):
            w.u8(APFType.channelClose)
            w.u32(recipient)
        case .protocolVersion(let major, let minor, let trigger, let uuid):
            guard let wire = APFGUID.wireBytes(from: uuid) else {
                preconditionFailure("PROTOCOLVERSION needs a valid UUID string")
            }
            w.u8(APFType.protocolVersion)
            w.u32(major)
            w.u32(minor)
            w.u32(trigger)
            w.raw(wire)
            w.raw([UInt8](repeating: 0, count: 64))
        case .keepAliveRequest(let cookie):
            w.u8(APFType.keepAliveRequest)
            w.u32(cookie)
        case .keepAliveReply(let cookie):
            w.u8(APFType.keepAliveReply)
            w.u32(cookie)
        case .keepAliveOptionsRequest(let interval, let timeout):
            w.u8(APFType.keepAliveOptionsRequest)
            w.u32(interval)
            w.u32(timeout)
        case .keepAliveOptionsReply(let interval, let timeout):
            w.u8(APFType.keepAliveOptionsReply)
            w.u32(interval)
            w.u32(timeout)
        }
        return w.output
    }

    /// The 9 bytes that precede a CHANNEL_DATA payload of `count` bytes: a sender may write
    /// them and then the payload as it is, instead of copying a large payload into `encode()`.
    public static func channelDataHeader(recipient: UInt32, count: Int) -> [UInt8] {
        precondition(count <= Int(UInt32.max), "APF field longer than 4 GiB")
        var w = APFWriter()
        w.u8(APFType.channelData)
        w.u32(recipient)
        w.u32(UInt32(count))
        return w.output
    }

    private static func encode(_ request: APFGlobalRequest, into w: inout APFWriter) {
        switch request {
        case .tcpipForward(let address, let port):
            w.string(APFType.tcpipForward)
            w.u8(1)
            w.string(address)
            w.u32(port)
        case .cancelTcpipForward(let address, let port):
            w.string(APFType.cancelTcpipForward)
            w.u8(1)
            w.string(address)
            w.u32(port)
        case .udpSendTo(let address, let port, let originatorAddress, let originatorPort, let data):
            w.string(APFType.udpSendTo)
            w.u8(0)
            w.string(address)
            w.u32(port)
            w.string(originatorAddress)
            w.u32(originatorPort)
            w.bytes(data)
        }
    }
}

/// Appends big-endian fields to a byte array.
struct APFWriter {
    private(set) var output: [UInt8] = []

    mutating func u8(_ v: UInt8) { self.output.append(v) }

    mutating func u16(_ v: UInt16) {
        self.output.append(UInt8(v >> 8))
        self.output.append(UInt8(v & 0xFF))
    }

    mutating func u32(_ v: UInt32) {
        self.output.append(UInt8(v >> 24))
        self.output.append(UInt8((v >> 16) & 0xFF))
        self.output.append(UInt8((v >> 8) & 0xFF))
        self.output.append(UInt8(v & 0xFF))
    }

    /// A length-prefixed byte string.
    mutating func bytes(_ b: [UInt8]) {
        precondition(b.count <= Int(UInt32.max), "APF field longer than 4 GiB")
        self.u32(UInt32(b.count))
        self.output.append(contentsOf: b)
    }

    mutating func string(_ s: String) { self.bytes(Array(s.utf8)) }

    mutating func raw(_ b: [UInt8]) { self.output.append(contentsOf: b) }
}
