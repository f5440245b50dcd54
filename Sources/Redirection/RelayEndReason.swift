// Redirection: why a relay ended, and the WebSocket close code the browser sees (B46).
public import Tunnel

/// WebSocket close codes the relay sends to the browser: 4000 + a reason number, so the viewer
/// can tell the user what happened instead of showing a frozen screen (B46).
///
/// | code | meaning |
/// |------|---------|
/// | 4100 | the device closed the redirection channel (idle, consent revoked, reset, ...) |
/// | 4101 | the device's CIRA tunnel was lost |
/// | 4102 | redirection authentication failed (wrong stored password, no usable auth type) |
/// | 4103 | a session of this mode is already active on the device (B43) |
/// | 4104 | no bytes either way for the idle timeout |
/// | 4105 | the device refused the session (busy, redirection disabled) |
/// | 4106 | the device broke the redirection protocol |
/// | 4107 | the device did not answer the handshake in time |
/// | 4108 | the device is not reachable (no tunnel, channel refused or timed out) |
/// | 4109 | the device only offers redirection over TLS (16995), not supported yet (B47) |
/// | 4110 | no AMT credentials are stored for the device |
/// | 4111 | the device forwards no redirection port |
/// | 4112 | the server is shutting down |
public enum RelayCloseCode: UInt16, Sendable, CaseIterable {
    case deviceClosed = 4100
    case tunnelLost = 4101
    case authenticationFailed = 4102
    case alreadyActive = 4103
    case idle = 4104
    case deviceRefused = 4105
    case protocolError = 4106
    case handshakeTimeout = 4107
    case deviceUnreachable = 4108
    case tlsRequired = 4109
    case noCredentials = 4110
    case noRedirectionPort = 4111
    case serverShutdown = 4112
}

/// How a relay ended, and the error thrown when it cannot start. Descriptions are safe to log
/// and short enough (< 123 bytes) for a WebSocket close reason.
public enum RelayEndReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// The browser closed its WebSocket (the browser gets no close code from us).
    case browserClosed
    /// The device sent CHANNEL_CLOSE.
    case deviceClosed
    /// The CIRA tunnel to the device dropped.
    case tunnelLost
    /// No bytes either way for the configured idle time.
    case idle
    /// A session of this mode is already active on the device (B43).
    case alreadyActive(RedirectionMode)
    /// The server's own handshake with the device failed.
    case handshakeFailed(RedirectionFailure)
    /// No AMT credentials are stored for the device.
    case noCredentials
    /// The channel could not be opened.
    case channelUnavailable(TunnelError)
    /// The device forwards only the TLS redirection port (B47).
    case tlsRequired
    /// The device forwards neither redirection port.
    case noRedirectionPort
    /// The server is stopping.
    case serverShutdown

    /// The close code for the browser; nil when the browser itself closed.
    public var closeCode: RelayCloseCode? {
        switch self {
        case .browserClosed: nil
        case .deviceClosed: .deviceClosed
        case .tunnelLost: .tunnelLost
        case .idle: .idle
        case .alreadyActive: .alreadyActive
        case .noCredentials: .noCredentials
        case .channelUnavailable: .deviceUnreachable
        case .tlsRequired: .tlsRequired
        case .noRedirectionPort: .noRedirectionPort
        case .serverShutdown: .serverShutdown
        case .handshakeFailed(let failure):
            switch failure {
            case .sessionRefused: .deviceRefused
            case .noSupportedAuthType, .authenticationFailed, .unusableCredentials:
                .authenticationFailed
            case .protocolViolation: .protocolError
            case .timeout: .handshakeTimeout
            case .channelClosed: .deviceClosed
            }
        }
    }

    public var description: String {
        switch self {
        case .browserClosed: "browser closed the session"
        case .deviceClosed: "device closed the session"
        case .tunnelLost: "device tunnel lost"
        case .idle: "session idle too long"
        case .alreadyActive(let mode): "a \(mode) session is already active on this device"
        case .handshakeFailed(let failure): failure.description
        case .noCredentials: "no AMT credentials stored for this device"
        case .channelUnavailable(let error): "device unreachable: \(error)"
        case .tlsRequired: "device requires redirection over TLS (port 16995), not supported yet"
        case .noRedirectionPort: "device does not forward a redirection port"
        case .serverShutdown: "server shutting down"
        }
    }
}
