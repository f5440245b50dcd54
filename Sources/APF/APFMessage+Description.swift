// APF: log-safe descriptions of messages. The USERAUTH password never appears.

extension APFMessage: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A one-line summary for logs; the password is redacted and payloads are only counted.
    public var description: String {
        switch self {
        case .disconnect(let reason): "DISCONNECT(\(reason))"
        case .serviceRequest(let name): "SERVICE_REQUEST(\(name))"
        case .serviceAccept(let name): "SERVICE_ACCEPT(\(name))"
        case .userAuthRequest(let username, let service, let method, let password):
            "USERAUTH_REQUEST(user: \(username), service: \(service), method: \(method)"
                + (password == nil ? ")" : ", password: <redacted>)")
        case .userAuthFailure: "USERAUTH_FAILURE"
        case .userAuthSuccess: "USERAUTH_SUCCESS"
        case .globalRequest(.tcpipForward(let address, let port)):
            "GLOBAL_REQUEST(tcpip-forward \(address):\(port))"
        case .globalRequest(.cancelTcpipForward(let address, let port)):
            "GLOBAL_REQUEST(cancel-tcpip-forward \(address):\(port))"
        case .globalRequest(.udpSendTo(let address, let port, let from, let fromPort, let data)):
            "GLOBAL_REQUEST(udp-send-to \(address):\(port) from \(from):\(fromPort), "
                + "\(data.count) bytes)"
        case .requestSuccess(let port): "REQUEST_SUCCESS(\(port.map { "\($0)" } ?? "-"))"
        case .requestFailure: "REQUEST_FAILURE"
        case .channelOpen(let type, let sender, let window, _, let port, _, _):
            "CHANNEL_OPEN(\(type), sender: \(sender), window: \(window), port: \(port))"
        case .channelOpenConfirmation(let recipient, let sender, let window):
            "CHANNEL_OPEN_CONFIRMATION(recipient: \(recipient), sender: \(sender), "
                + "window: \(window))"
        case .channelOpenFailure(let recipient, let reason):
            "CHANNEL_OPEN_FAILURE(recipient: \(recipient), reason: \(reason))"
        case .windowAdjust(let recipient, let bytes):
            "CHANNEL_WINDOW_ADJUST(recipient: \(recipient), +\(bytes))"
        case .channelData(let recipient, let data):
            "CHANNEL_DATA(recipient: \(recipient), \(data.count) bytes)"
        case .channelClose(let recipient): "CHANNEL_CLOSE(recipient: \(recipient))"
        case .protocolVersion(let major, let minor, let trigger, let uuid):
            "PROTOCOLVERSION(\(major).\(minor), trigger: \(trigger), uuid: \(uuid))"
        case .keepAliveRequest(let cookie): "KEEPALIVE_REQUEST(\(cookie))"
        case .keepAliveReply(let cookie): "KEEPALIVE_REPLY(\(cookie))"
        case .keepAliveOptionsRequest(let interval, let timeout):
            "KEEPALIVE_OPTIONS_REQUEST(interval: \(interval), timeout: \(timeout))"
        case .keepAliveOptionsReply(let interval, let timeout):
            "KEEPALIVE_OPTIONS_REPLY(interval: \(interval), timeout: \(timeout))"
        }
    }

    public var debugDescription: String { self.description }

    /// Reflection (`dump`, test failure output) sees only the redacted summary.
    public var customMirror: Mirror { Mirror(self, children: ["summary": self.description]) }
}
