// APF: the device (AMT) side of one CIRA connection, for the simulator (spec §9).

/// The device-side protocol logic of one CIRA connection, with injected time.
///
/// It follows the script of spec §9: PROTOCOLVERSION and the auth SERVICE_REQUEST, password
/// USERAUTH_REQUEST, the pfwd service, one tcpip-forward at a time, then keep-alives every
/// interval (call ``tick(now:)`` at ``nextDeadline``). It accepts channels the MPS opens to
/// served ports and keeps strict window accounting both ways: it never sends more than the MPS
/// granted and drops the connection (DISCONNECT 2) if the MPS overruns the device's window.
/// Out-of-order messages from the MPS are protocol errors, so the simulator is a strict peer.
public struct CIRADeviceSession: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// Where the connection is in its life.
    public enum State: Equatable, Sendable {
        case notStarted
        case awaitingAuthService
        case awaitingAuthResult
        case awaitingPortForwardingService
        case forwarding(index: Int)
        case ready
        case closed
    }

    public let configuration: CIRADeviceConfiguration
    public private(set) var state: State = .notStarted
    /// Seconds between keep-alives in force.
    public private(set) var keepAliveInterval: UInt32
    /// Ports the MPS accepted forwards for.
    public private(set) var acceptedPorts: [UInt32] = []
    /// Cookie of the last KEEPALIVE_REPLY received.
    public private(set) var lastKeepAliveReply: UInt32?

    private var nextKeepAlive: Instant?
    private var nextCookie: UInt32
    var channels: [UInt32: CIRADeviceChannel] = [:]

    /// - Throws: ``CIRADeviceError/invalidUUID`` if the configured UUID is malformed.
    public init(configuration: CIRADeviceConfiguration) throws(CIRADeviceError) {
        guard APFGUID.normalize(configuration.uuid) != nil else { throw .invalidUUID }
        self.configuration = configuration
        self.keepAliveInterval = max(1, configuration.keepAliveInterval)
        self.nextCookie = configuration.firstKeepAliveCookie
    }

    /// When ``tick(now:)`` must next be called.
    public var nextDeadline: Instant? { self.state == .closed ? nil : self.nextKeepAlive }

    /// The opening messages, sent back to back without waiting (spec §4).
    public mutating func start(now: Instant) -> [CIRADeviceAction] {
        guard self.state == .notStarted else { return [] }
        self.state = .awaitingAuthService
        return [
            .send(
                .protocolVersion(
                    major: 1,
                    minor: 0,
                    trigger: self.configuration.trigger,
                    uuid: self.configuration.uuid.lowercased()
                )
            ),
            .send(.serviceRequest(APFConstants.authService)),
        ]
    }

    /// Sends a KEEPALIVE_REQUEST when one is due.
    public mutating func tick(now: Instant) -> [CIRADeviceAction] {
        guard self.state != .closed, let due = self.nextKeepAlive, now >= due else { return [] }
        self.nextKeepAlive = now + .seconds(Int64(self.keepAliveInterval))
        let cookie = self.nextCookie
        self.nextCookie &+= 1
        return [.send(.keepAliveRequest(cookie: cookie))]
    }

    /// The decoder threw: DISCONNECT(2) and close.
    public mutating func decodingFailed(_ error: APFError) -> [CIRADeviceAction] {
        guard self.state != .closed else { return [] }
        return self.fail("malformed stream: \(error)")
    }

    /// A message decoded from the MPS.
    public mutating func received(_ message: APFMessage, now: Instant) -> [CIRADeviceAction] {
        guard self.state != .closed, self.state != .notStarted else { return [] }
        switch (message, self.state) {
        case (.disconnect(let reason), _):
            self.state = .closed
            return [.disconnected(reason)] + self.closeAllChannels()
                + [.close(reason: "MPS sent DISCONNECT(\(reason))")]
        case (.keepAliveRequest(let cookie), _):
            return [.send(.keepAliveReply(cookie: cookie))]
        case (.keepAliveReply(let cookie), _):
            self.lastKeepAliveReply = cookie
            return []
        case (.serviceAccept(APFConstants.authService), .awaitingAuthService):
            self.state = .awaitingAuthResult
            return [
                .send(
                    .userAuthRequest(
                        username: self.configuration.username,
                        service: APFConstants.portForwardingService,
                        method: APFConstants.passwordMethod,
                        password: self.configuration.password
                    )
                )
            ]
        case (.userAuthSuccess, .awaitingAuthResult):
            self.state = .awaitingPortForwardingService
            self.nextKeepAlive = now + .seconds(Int64(self.keepAliveInterval))
            return [.send(.serviceRequest(APFConstants.portForwardingService))]
        case (.userAuthFailure, .awaitingAuthResult):
            self.state = .closed
            return [.authenticationFailed, .close(reason: "authentication failed")]
        case (.serviceAccept(APFConstants.portForwardingService), .awaitingPortForwardingService):
            return self.forward(index: 0)
        case (.requestSuccess(let port?), .forwarding(let index)):
            guard port == self.configuration.forwardedPorts[index] else {
                return self.fail("REQUEST_SUCCESS for the wrong port")
            }
            self.acceptedPorts.append(port)
            return self.forward(index: index + 1)
        case (.requestFailure, .forwarding(let index)):
            return self.forward(index: index + 1)
        case (.keepAliveOptionsRequest(let interval, let timeout), .forwarding),
            (.keepAliveOptionsRequest(let interval, let timeout), .ready):
            guard self.configuration.adoptsKeepAliveOptions else { return [] }
            self.keepAliveInterval = max(1, interval)
            self.nextKeepAlive = now + .seconds(Int64(self.keepAliveInterval))
            return [
                .send(.keepAliveOptionsReply(interval: self.keepAliveInterval, timeout: timeout))
            ]
        case (.channelOpen(let type, let sender, let window, _, let port, _, _), .ready),
            (.channelOpen(let type, let sender, let window, _, let port, _, _), .forwarding):
            return self.channelRequested(type: type, peer: sender, window: window, port: port)
        case (.channelData(let recipient, let data), .ready),
            (.channelData(let recipient, let data), .forwarding):
            return self.channelReceived(recipient, data: data)
        case (.windowAdjust(let recipient, let bytes), .ready),
            (.windowAdjust(let recipient, let bytes), .forwarding):
            return self.channelWindowAdjusted(recipient, bytes: bytes)
        case (.channelClose(let recipient), .ready), (.channelClose(let recipient), .forwarding):
            return self.channelClosedByPeer(recipient)
        default:
            return self.fail("unexpected \(message.name) in state \(self.state)")
        }
    }

    private mutating func forward(index: Int) -> [CIRADeviceAction] {
        let ports = self.configuration.forwardedPorts
        guard index < ports.count else {
            self.state = .ready
            return [.tunnelReady]
        }
        self.state = .forwarding(index: index)
        let request = APFGlobalRequest.tcpipForward(
            address: self.configuration.bindAddress,
            port: ports[index]
        )
        return [.send(.globalRequest(request))]
    }

    /// DISCONNECT(2), channels closed once, then close.
    mutating func fail(_ why: String) -> [CIRADeviceAction] {
        self.state = .closed
        return [.send(.disconnect(reason: .protocolError))] + self.closeAllChannels()
            + [.close(reason: why)]
    }
}
