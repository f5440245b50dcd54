// APF: the MPS side of one CIRA connection, as a state machine with injected time (§5).

/// The MPS-side protocol logic of one CIRA connection.
///
/// Feed it decoded messages and lookup results; carry out the returned actions in order. Time
/// is passed in on every call; call ``tick(now:)`` at ``nextDeadline``. The session enforces
/// the order of spec §5.1 [REC]: only keep-alives before PROTOCOLVERSION, the allowlist decided
/// before any credential is looked at, nothing but authentication before USERAUTH_SUCCESS.
/// While a lookup is pending, later messages are held and replayed in order afterwards.
/// It does no I/O, no logging, and never sees the stored credentials.
public struct CIRAServerSession: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// Where the connection is in its life.
    public enum State: Equatable, Sendable {
        case awaitingProtocolVersion
        case checkingAllowlist
        case awaitingAuthService
        case awaitingUserAuth
        case verifyingCredentials
        case authenticated
        case closed
    }

    public var configuration: CIRAServerConfiguration { self.shared.value }
    /// One copy of the settings for every session made from it (about 140 bytes each, per
    /// idle device otherwise).
    private let shared: SharedCIRAServerConfiguration
    public private(set) var state: State = .awaitingProtocolVersion
    /// The canonical lowercase UUID from PROTOCOLVERSION.
    public private(set) var uuid: String?
    /// The MPS username, once authenticated.
    public private(set) var username: String?
    public private(set) var protocolMinor: UInt32?
    public private(set) var trigger: UInt32?
    /// Ports the device forwarded, in order, without duplicates.
    public var forwardedPorts: [UInt32] { self.ports.array }
    private(set) var ports = ForwardedPorts()
    /// The interval from the device's KEEPALIVE_OPTIONS_REPLY, if any.
    public private(set) var deviceKeepAliveInterval: UInt32?

    private var attemptedUsername: String?
    private var authFailures = 0
    private var portForwardingAccepted = false
    private var deferred: [APFMessage] = []
    private var handshakeDeadline: Instant?
    private var lastInbound: Instant
    private var optionsSent = false
    /// True once the device is done forwarding ports: it forwarded 5900 (the last port AMT
    /// forwards), or went `keepAliveOptionsFallback` without forwarding another. Before that a
    /// port missing from ``forwardedPorts`` may still be on its way.
    public var forwardingSettled: Bool { self.optionsSent }
    private var optionsFallbackDeadline: Instant?

    var channels: [UInt32: CIRAServerChannel] = [:]
    var nextChannelID: UInt32 = 4
    var openCount: UInt32 = 0

    /// Starts a session at TLS accept time `now`.
    public init(configuration: CIRAServerConfiguration = .init(), now: Instant) {
        self.init(shared: SharedCIRAServerConfiguration(configuration), now: now)
    }

    /// Starts a session whose settings are shared with the other sessions of a listener.
    public init(shared: SharedCIRAServerConfiguration, now: Instant) {
        self.shared = shared
        self.lastInbound = now
        self.handshakeDeadline = now + shared.value.handshakeTimeout
    }

    /// True while an allowlist or credentials lookup is outstanding; the I/O layer may stop
    /// reading until it completes (messages received meanwhile are held, up to a bound).
    public var isAwaitingLookup: Bool {
        self.state == .checkingAllowlist || self.state == .verifyingCredentials
    }

    /// The idle limit in force: never equal to a plausible device interval (B01).
    public var effectiveIdleTimeout: Duration {
        let interval = min(
            self.deviceKeepAliveInterval ?? self.configuration.keepAliveInterval,
            self.configuration.maxKeepAliveInterval
        )
        return max(self.configuration.idleTimeout, .seconds(3 * Int64(interval)))
            + self.configuration.idleMargin
    }

    /// When ``tick(now:)`` must next be called, or nil once closed.
    public var nextDeadline: Instant? {
        guard self.state != .closed else { return nil }
        var deadlines = [self.lastInbound + self.effectiveIdleTimeout]
        if let d = self.handshakeDeadline { deadlines.append(d) }
        if let d = self.optionsFallbackDeadline { deadlines.append(d) }
        deadlines += self.channels.values.compactMap(\.openDeadline)
        return deadlines.min()
    }

    /// A message decoded from the device.
    public mutating func received(_ message: APFMessage, now: Instant) -> [CIRAServerAction] {
        guard self.state != .closed else { return [] }
        self.lastInbound = max(self.lastInbound, now)
        if self.isAwaitingLookup {
            guard self.deferred.count < self.configuration.maxDeferredMessages else {
                return self.fail(.protocolError, "too many messages during a lookup")
            }
            self.deferred.append(message)
            return []
        }
        return self.handle(message, now: now)
    }

    /// The decoder threw: the stream is malformed (§5.1: DISCONNECT(2), close).
    public mutating func decodingFailed(_ error: APFError) -> [CIRAServerAction] {
        guard self.state != .closed else { return [] }
        return self.fail(.protocolError, "malformed stream: \(error)")
    }

    /// The result of `.checkAllowlist`. Unknown devices get DISCONNECT(1) before any
    /// credential is examined (B09).
    public mutating func allowlistChecked(known: Bool, now: Instant) -> [CIRAServerAction] {
        guard self.state == .checkingAllowlist else { return [] }
        guard known else { return self.fail(.hostNotAllowedToConnect, "device not allowed") }
        self.state = .awaitingAuthService
        return self.replayDeferred(now: now)
    }

    /// The result of `.verifyCredentials`.
    public mutating func credentialsChecked(valid: Bool, now: Instant) -> [CIRAServerAction] {
        guard self.state == .verifyingCredentials, let uuid = self.uuid else { return [] }
        guard valid else {
            self.state = .awaitingUserAuth
            return self.authFailed() + self.replayDeferred(now: now)
        }
        self.state = .authenticated
        self.username = self.attemptedUsername
        self.handshakeDeadline = nil
        return [.authenticated(uuid: uuid), .send(.userAuthSuccess)] + self.replayDeferred(now: now)
    }

    // TODO(#2): optionally probe half-open tunnels with an MPS KEEPALIVE_REQUEST (§5.2 c).
    /// Fires the timers that are due: handshake deadline, idle timeout, keep-alive options
    /// fallback and channel-open timeouts.
    public mutating func tick(now: Instant) -> [CIRAServerAction] {
        guard self.state != .closed else { return [] }
        if let deadline = self.handshakeDeadline, now >= deadline {
            return self.fail(.connectionTimedOut, "handshake timed out")
        }
        if now >= self.lastInbound + self.effectiveIdleTimeout {
            return self.fail(.connectionTimedOut, "idle timeout")
        }
        var actions: [CIRAServerAction] = []
        if let deadline = self.optionsFallbackDeadline, now >= deadline {
            actions += self.sendKeepAliveOptionsOnce()
        }
        return actions + self.expireChannelOpens(now: now)
    }

    /// Ends the connection from our side (operator kick: `.byApplication`).
    public mutating func disconnect(reason: APFDisconnectReason) -> [CIRAServerAction] {
        guard self.state != .closed else { return [] }
        return self.fail(reason, "disconnected by the MPS (\(reason))")
    }

    // MARK: - Message handling

    private mutating func handle(_ message: APFMessage, now: Instant) -> [CIRAServerAction] {
        switch message {
        case .keepAliveRequest(let cookie):
            return [.send(.keepAliveReply(cookie: cookie))]
                + (self.state == .authenticated ? [.keepAliveSeen] : [])
        case .keepAliveReply:
            return []
        case .keepAliveOptionsReply(let interval, _):
            if self.optionsSent { self.deviceKeepAliveInterval = interval }
            return []
        case .disconnect(let reason):
            self.state = .closed
            return self.closeAllChannels() + [.close(reason: "device sent DISCONNECT(\(reason))")]
        default:
            break
        }
        switch self.state {
        case .awaitingProtocolVersion: return self.handleFirst(message)
        case .awaitingAuthService, .awaitingUserAuth: return self.handleAuthentication(message)
        case .authenticated: return self.handleAuthenticated(message, now: now)
        case .checkingAllowlist, .verifyingCredentials, .closed:
            preconditionFailure("messages are held while a lookup is pending")
        }
    }

    private mutating func handleFirst(_ message: APFMessage) -> [CIRAServerAction] {
        guard case .protocolVersion(let major, let minor, let trigger, let uuid) = message else {
            return self.fail(.protocolError, "first message is not PROTOCOLVERSION")
        }
        guard major == 1 else {
            return self.fail(.protocolVersionNotSupported, "unsupported APF version \(major)")
        }
        // One lowercased string, shared by the session, the connection and the registry key.
        let guid = uuid.lowercased()
        self.uuid = guid
        self.protocolMinor = minor
        self.trigger = trigger
        self.state = .checkingAllowlist
        return [.checkAllowlist(uuid: guid)]
    }

    private mutating func handleAuthentication(_ message: APFMessage) -> [CIRAServerAction] {
        switch message {
        case .serviceRequest(APFConstants.authService):
            self.state = .awaitingUserAuth
            return [.send(.serviceAccept(APFConstants.authService))]
        case .serviceRequest(APFConstants.portForwardingService):
            return self.fail(.protocolError, "port forwarding requested before authentication")
        case .serviceRequest:
            return self.fail(.serviceNotAvailable, "unknown service")
        case .userAuthRequest(let username, let service, let method, let password):
            guard self.state == .awaitingUserAuth, let uuid = self.uuid else {
                return self.fail(.protocolError, "USERAUTH_REQUEST before the auth service")
            }
            guard method == APFConstants.passwordMethod,
                service == APFConstants.portForwardingService, let password
            else { return self.authFailed() }
            self.attemptedUsername = username
            self.state = .verifyingCredentials
            return [.verifyCredentials(uuid: uuid, username: username, password: password)]
        default:
            return self.fail(.protocolError, "\(message.name) before authentication")
        }
    }

    private mutating func handleAuthenticated(
        _ message: APFMessage,
        now: Instant
    ) -> [CIRAServerAction] {
        switch message {
        case .serviceRequest(APFConstants.portForwardingService):
            self.portForwardingAccepted = true
            return [.send(.serviceAccept(APFConstants.portForwardingService))]
        case .serviceRequest(APFConstants.authService):
            return self.fail(.protocolError, "auth service requested twice")
        case .serviceRequest:
            return self.fail(.serviceNotAvailable, "unknown service")
        case .userAuthRequest:
            return []  // RFC 4252 §5.1: requests after success are ignored
        case .globalRequest(let request):
            guard self.portForwardingAccepted else {
                return self.fail(.protocolError, "global request before the pfwd service")
            }
            return self.handleGlobal(request, now: now)
        case .channelOpen(_, let sender, _, _, _, _, _):
            // §6.1: device-initiated opens are refused as the reference does.
            return [.send(.channelOpenFailure(recipient: sender, reason: .unknownChannelType))]
        case .channelOpenConfirmation(let recipient, let sender, let window):
            return self.channelConfirmed(recipient, peer: sender, window: window)
        case .channelOpenFailure(let recipient, let reason):
            return self.channelRefused(recipient, reason: reason)
        case .windowAdjust(let recipient, let bytes):
            return self.channelWindowAdjusted(recipient, bytes: bytes)
        case .channelData(let recipient, let data):
            return self.channelReceived(recipient, data: data)
        case .channelClose(let recipient):
            return self.channelClosedByPeer(recipient)
        default:
            return self.fail(.protocolError, "unexpected \(message.name)")
        }
    }

    private mutating func handleGlobal(
        _ request: APFGlobalRequest,
        now: Instant
    ) -> [CIRAServerAction] {
        switch request {
        case .tcpipForward(_, let port):
            if !self.ports.contains(port) {
                guard self.ports.count < self.configuration.maxForwardedPorts else {
                    return [.send(.requestFailure)]
                }
                self.ports.append(port)
            }
            var actions: [CIRAServerAction] = [.send(.requestSuccess(port: port))]
            if port == 5900 {
                actions += self.sendKeepAliveOptionsOnce()
            } else if !self.optionsSent {
                self.optionsFallbackDeadline = now + self.configuration.keepAliveOptionsFallback
            }
            return actions
        case .cancelTcpipForward(_, let port):
            self.ports.remove(port)
            return [.send(.requestSuccess(port: nil))]
        case .udpSendTo:
            return []  // TODO(#2): relay AMT alert datagrams; dropped like the reference does.
        }
    }

    private mutating func sendKeepAliveOptionsOnce() -> [CIRAServerAction] {
        self.optionsFallbackDeadline = nil
        guard !self.optionsSent else { return [] }
        self.optionsSent = true
        return [
            .send(
                .keepAliveOptionsRequest(interval: self.configuration.keepAliveInterval, timeout: 0)
            )
        ]
    }

    private mutating func replayDeferred(now: Instant) -> [CIRAServerAction] {
        var actions: [CIRAServerAction] = []
        while !self.deferred.isEmpty && !self.isAwaitingLookup && self.state != .closed {
            actions += self.handle(self.deferred.removeFirst(), now: now)
        }
        return actions
    }

    private mutating func authFailed() -> [CIRAServerAction] {
        self.authFailures += 1
        guard self.authFailures >= self.configuration.maxAuthFailures else {
            return [.send(.userAuthFailure)]
        }
        return [.send(.userAuthFailure)]
            + self.fail(.invalidCredentials, "too many failed authentication attempts")
    }

    /// DISCONNECT(reason), every channel closed once, then close.
    mutating func fail(_ reason: APFDisconnectReason, _ why: String) -> [CIRAServerAction] {
        self.state = .closed
        self.deferred.removeAll()
        return [.send(.disconnect(reason: reason))] + self.closeAllChannels() + [
            .close(reason: why)
        ]
    }
}

extension APFMessage {
    /// The catalogue name, for error reasons.
    var name: String { String(self.description.prefix { $0 != "(" }) }
}
