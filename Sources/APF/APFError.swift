// APF: the fatal decoding errors. Any of them means "drop the connection" (spec apf.md §2).

/// A protocol violation found while decoding; the stream cannot be resynchronised after it.
///
/// Values never carry secrets: string contents are not included, only lengths and the type
/// byte (a global request name is included because it is a protocol token, capped in length).
public enum APFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A type byte this role never receives (or that APF does not define).
    case unknownMessageType(UInt8)
    /// A string field longer than ``APFConstants/maxStringLength``.
    case stringTooLong(length: UInt32)
    /// A string field that is not valid UTF-8.
    case invalidString
    /// A CHANNEL_DATA payload larger than ``APFConstants/maxChannelData``.
    case channelDataTooLarge(length: UInt32)
    /// A udp-send-to payload larger than ``APFConstants/maxDatagram``.
    case datagramTooLarge(length: UInt32)
    /// A GLOBAL_REQUEST whose name we cannot parse; its body length is unknowable.
    case unknownGlobalRequest(name: String)
    /// A REQUEST_SUCCESS or REQUEST_FAILURE with no global request outstanding.
    case unexpectedReply

    public var description: String {
        switch self {
        case .unknownMessageType(let type): "unknown APF message type \(type)"
        case .stringTooLong(let length): "APF string of \(length) bytes exceeds the limit"
        case .invalidString: "APF string is not valid UTF-8"
        case .channelDataTooLarge(let length): "CHANNEL_DATA of \(length) bytes exceeds the limit"
        case .datagramTooLarge(let length): "udp-send-to of \(length) bytes exceeds the limit"
        case .unknownGlobalRequest(let name): "unknown global request \"\(name.prefix(64))\""
        case .unexpectedReply: "global request reply without an outstanding request"
        }
    }
}
