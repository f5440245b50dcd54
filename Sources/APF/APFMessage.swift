// APF: the message catalogue of the CIRA tunnel protocol (spec apf.md §3).

/// One APF message, with typed fields.
///
/// APF reuses SSH connection-layer numbers and layouts but has no SSH transport layer:
/// no banner, no packet length, no MAC. Each message is delimited only by its type byte and
/// its own length fields, which is why ``APFDecoder`` must understand every message it meets.
/// This type does not validate semantic rules (which state accepts what); that is the job of
/// ``CIRAServerSession`` and ``CIRADeviceSession``. Its descriptions redact the password.
public enum APFMessage: Equatable, Sendable {
    /// DISCONNECT (1): the sender is ending the connection.
    case disconnect(reason: APFDisconnectReason)
    /// SERVICE_REQUEST (5): "auth@amt.intel.com" or "pfwd@amt.intel.com".
    case serviceRequest(String)
    /// SERVICE_ACCEPT (6): echoes the requested service name.
    case serviceAccept(String)
    /// USERAUTH_REQUEST (50). `password` is present exactly when `method` is "password".
    case userAuthRequest(username: String, service: String, method: String, password: String?)
    /// USERAUTH_FAILURE (51), methods "password", encoded in the 15-byte reference form.
    case userAuthFailure
    /// USERAUTH_SUCCESS (52).
    case userAuthSuccess
    /// GLOBAL_REQUEST (80).
    case globalRequest(APFGlobalRequest)
    /// REQUEST_SUCCESS (81): with the bound port for tcpip-forward, bare for a cancel.
    case requestSuccess(port: UInt32?)
    /// REQUEST_FAILURE (82).
    case requestFailure
    /// CHANNEL_OPEN (90). The reserved (SSH max-packet) field is written as 0xFFFFFFFF.
    case channelOpen(
        type: String,
        senderChannel: UInt32,
        initialWindow: UInt32,
        connectedAddress: String,
        connectedPort: UInt32,
        originatorAddress: String,
        originatorPort: UInt32
    )
    /// CHANNEL_OPEN_CONFIRMATION (91).
    case channelOpenConfirmation(recipient: UInt32, sender: UInt32, initialWindow: UInt32)
    /// CHANNEL_OPEN_FAILURE (92).
    case channelOpenFailure(recipient: UInt32, reason: APFChannelOpenFailureReason)
    /// CHANNEL_WINDOW_ADJUST (93).
    case windowAdjust(recipient: UInt32, bytes: UInt32)
    /// CHANNEL_DATA (94).
    case channelData(recipient: UInt32, data: [UInt8])
    /// CHANNEL_CLOSE (97).
    case channelClose(recipient: UInt32)
    /// PROTOCOLVERSION (192). `uuid` is the canonical lowercase string (see ``APFGUID``).
    case protocolVersion(major: UInt32, minor: UInt32, trigger: UInt32, uuid: String)
    /// KEEPALIVE_REQUEST (208).
    case keepAliveRequest(cookie: UInt32)
    /// KEEPALIVE_REPLY (209): echoes the request's cookie.
    case keepAliveReply(cookie: UInt32)
    /// KEEPALIVE_OPTIONS_REQUEST (210): interval and timeout in seconds.
    case keepAliveOptionsRequest(interval: UInt32, timeout: UInt32)
    /// KEEPALIVE_OPTIONS_REPLY (211): the values the device will use.
    case keepAliveOptionsReply(interval: UInt32, timeout: UInt32)
}

/// The body of a GLOBAL_REQUEST, by request name.
///
/// The want-reply flag is not modelled: the encoder writes 1 for the forward requests and 0
/// for udp-send-to (as AMT does), and servers ignore it on receipt.
public enum APFGlobalRequest: Equatable, Sendable {
    /// "tcpip-forward": the device offers one of its ports.
    case tcpipForward(address: String, port: UInt32)
    /// "cancel-tcpip-forward": the device withdraws a port.
    case cancelTcpipForward(address: String, port: UInt32)
    /// "udp-send-to@amt.intel.com": the device asks the MPS to emit a datagram (no reply).
    case udpSendTo(
        address: String,
        port: UInt32,
        originatorAddress: String,
        originatorPort: UInt32,
        data: [UInt8]
    )

    /// Which reply, if any, this request gets; the device decoder needs it (§3.1).
    public var replyKind: APFReplyKind? {
        switch self {
        case .tcpipForward: .tcpipForward
        case .cancelTcpipForward: .cancelTcpipForward
        case .udpSendTo: nil
        }
    }
}

/// The global request a REQUEST_SUCCESS answers: it decides whether a port follows.
public enum APFReplyKind: Equatable, Sendable {
    /// The 5-byte REQUEST_SUCCESS carrying the bound port.
    case tcpipForward
    /// The 1-byte bare REQUEST_SUCCESS.
    case cancelTcpipForward
}

/// A DISCONNECT reason code. Open set: any code from the wire is representable.
public struct APFDisconnectReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let hostNotAllowedToConnect = Self(rawValue: 1)
    public static let protocolError = Self(rawValue: 2)
    public static let serviceNotAvailable = Self(rawValue: 7)
    public static let protocolVersionNotSupported = Self(rawValue: 8)
    public static let connectionLost = Self(rawValue: 10)
    public static let byApplication = Self(rawValue: 11)
    public static let tooManyConnections = Self(rawValue: 12)
    public static let noMoreAuthMethodsAvailable = Self(rawValue: 14)
    public static let invalidCredentials = Self(rawValue: 15)
    public static let connectionTimedOut = Self(rawValue: 16)
    public static let byPolicy = Self(rawValue: 17)
    public static let temporarilyUnavailable = Self(rawValue: 18)

    public var description: String { "\(self.rawValue)" }
}

/// A CHANNEL_OPEN_FAILURE reason code. Open set, like ``APFDisconnectReason``.
public struct APFChannelOpenFailureReason: RawRepresentable, Hashable, Sendable,
    CustomStringConvertible
{
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let administrativelyProhibited = Self(rawValue: 1)
    public static let connectFailed = Self(rawValue: 2)
    public static let unknownChannelType = Self(rawValue: 3)
    public static let resourceShortage = Self(rawValue: 4)

    public var description: String { "\(self.rawValue)" }
}

/// Names and limits fixed by the protocol.
public enum APFConstants {
    public static let authService = "auth@amt.intel.com"
    public static let portForwardingService = "pfwd@amt.intel.com"
    public static let passwordMethod = "password"
    public static let forwardedChannelType = "forwarded-tcpip"
    public static let directChannelType = "direct-tcpip"
    /// Longest accepted string field (service, user, method, password, names, addresses).
    public static let maxStringLength = 2048
    /// Largest accepted CHANNEL_DATA payload.
    public static let maxChannelData = 1_048_576
    /// Largest accepted udp-send-to payload (a UDP datagram cannot be larger).
    public static let maxDatagram = 65_535
}

/// Message type bytes (§3) and global request names.
enum APFType {
    static let disconnect: UInt8 = 1
    static let serviceRequest: UInt8 = 5
    static let serviceAccept: UInt8 = 6
    static let userAuthRequest: UInt8 = 50
    static let userAuthFailure: UInt8 = 51
    static let userAuthSuccess: UInt8 = 52
    static let globalRequest: UInt8 = 80
    static let requestSuccess: UInt8 = 81
    static let requestFailure: UInt8 = 82
    static let channelOpen: UInt8 = 90
    static let channelOpenConfirmation: UInt8 = 91
    static let channelOpenFailure: UInt8 = 92
    static let windowAdjust: UInt8 = 93
    static let channelData: UInt8 = 94
    static let channelClose: UInt8 = 97
    static let protocolVersion: UInt8 = 192
    static let keepAliveRequest: UInt8 = 208
    static let keepAliveReply: UInt8 = 209
    static let keepAliveOptionsRequest: UInt8 = 210
    static let keepAliveOptionsReply: UInt8 = 211

    static let tcpipForward = "tcpip-forward"
    static let cancelTcpipForward = "cancel-tcpip-forward"
    static let udpSendTo = "udp-send-to@amt.intel.com"
}
