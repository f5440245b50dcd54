// Redirection: wire-level errors of the handshake codecs.

/// A protocol violation in the redirection bytes, or a request we cannot encode. Descriptions
/// never include device-supplied text or credentials.
public enum RedirectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A leading byte the handshake does not expect at this point.
    case unexpectedMessage(UInt8)
    /// A message announcing more data than the pre-auth limit allows.
    case messageTooLarge(Int)
    /// A digest challenge whose length prefixes run past its data.
    case malformedChallenge
    /// A username (or other field) longer than the 255 bytes a length byte can describe.
    case fieldTooLong

    public var description: String {
        switch self {
        case .unexpectedMessage(let type): "unexpected redirection message 0x\(hexByte(type))"
        case .messageTooLarge(let n): "redirection message of \(n) bytes exceeds the limit"
        case .malformedChallenge: "malformed digest challenge"
        case .fieldTooLong: "authentication field longer than 255 bytes"
        }
    }
}

func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
