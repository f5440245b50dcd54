// Redirection: why the server-side handshake with the device failed.

/// The end of a failed handshake. Descriptions are safe to log and to show the operator: they
/// hold status numbers and auth-type numbers, never device text or credentials.
public enum RedirectionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// StartRedirectionSessionReply with a non-zero status (busy, unsupported, ...).
    case sessionRefused(status: UInt8)
    /// The auth-type list offers nothing we implement (we do digest 4 and 3) (B48).
    case noSupportedAuthType(offered: [UInt8])
    /// AMT refused authentication: the stored password is wrong (a second status 1), or it
    /// answered the query or challenge request with a failure status.
    case authenticationFailed(status: UInt8)
    /// The device broke the protocol (unknown message, oversized or malformed reply).
    case protocolViolation(RedirectionError)
    /// The stored credentials cannot be encoded (a username over 255 bytes).
    case unusableCredentials
    /// No answer within the handshake timeout.
    case timeout
    /// The channel closed before the handshake finished.
    case channelClosed

    public var description: String {
        switch self {
        case .sessionRefused(let status):
            "device refused the redirection session (\(StartRedirectionReply.statusName(status)))"
        case .noSupportedAuthType(let offered):
            "device offers no supported authentication type (offered: \(offered.map(String.init)))"
        case .authenticationFailed(let status):
            "device refused redirection authentication (status \(status))"
        case .protocolViolation(let error): "device broke the redirection protocol: \(error)"
        case .unusableCredentials: "stored AMT credentials cannot be used for redirection"
        case .timeout: "device did not answer the redirection handshake in time"
        case .channelClosed: "device closed the channel during the redirection handshake"
        }
    }
}
