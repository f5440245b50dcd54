// APF: configuration and actions of the device-side session (the AMT simulator).

/// Tunables of ``CIRADeviceSession``; defaults follow what AMT does (spec §9).
public struct CIRADeviceConfiguration: Sendable, CustomStringConvertible {
    /// Canonical UUID string sent in PROTOCOLVERSION (validated by the session).
    public var uuid: String
    /// MPS credentials configured into the device.
    public var username: String
    public var password: String
    /// PROTOCOLVERSION trigger reason (4 = periodic).
    public var trigger: UInt32 = 4
    /// Ports offered with tcpip-forward, one at a time, in this order.
    public var forwardedPorts: [UInt32] = [16993, 16992, 664, 623, 16995, 16994, 5900]
    /// Address string sent in each tcpip-forward.
    public var bindAddress = ""
    /// Seconds between KEEPALIVE_REQUESTs until the MPS sets another interval.
    public var keepAliveInterval: UInt32 = 30
    /// Whether KEEPALIVE_OPTIONS_REQUEST is answered and its interval adopted (some
    /// firmware ignores it: field fault B01).
    public var adoptsKeepAliveOptions = true
    /// Window advertised in CHANNEL_OPEN_CONFIRMATION (small values exercise MPS queuing).
    public var receiveWindow: UInt32 = 32768
    /// Ports that accept channels; nil means every port the MPS accepted a forward for.
    public var servedPorts: Set<UInt32>?
    /// Concurrent channels; further opens are refused with RESOURCE_SHORTAGE (MPS #664).
    public var maxChannels = 8
    /// Cookie of the first KEEPALIVE_REQUEST; later ones count up.
    public var firstKeepAliveCookie: UInt32 = 1

    public init(uuid: String, username: String, password: String) {
        self.uuid = uuid
        self.username = username
        self.password = password
    }

    public var description: String {
        "CIRADeviceConfiguration(uuid: \(self.uuid), user: \(self.username), "
            + "password: <redacted>, ports: \(self.forwardedPorts))"
    }
}

/// Why a device session could not be created.
public enum CIRADeviceError: Error, Equatable, Sendable {
    /// The configured UUID is not an 8-4-4-4-12 hex string.
    case invalidUUID
}

/// One instruction from ``CIRADeviceSession`` to the simulator's I/O layer, in order.
public enum CIRADeviceAction: Equatable, Sendable {
    /// Encode and write this message (and tell the decoder via `noteSent`).
    case send(APFMessage)
    /// Every configured port has been answered: the tunnel is up.
    case tunnelReady
    /// The MPS sent USERAUTH_FAILURE; the session closes.
    case authenticationFailed
    /// The MPS opened a channel to a served port; the device confirmed it.
    case channelOpened(ChannelID, port: UInt32)
    /// Bytes the MPS sent on a channel.
    case channelData(ChannelID, [UInt8])
    /// All queued bytes of the channel were sent.
    case channelWritable(ChannelID)
    /// The channel is gone (once per channel).
    case channelClosed(ChannelID)
    /// The MPS sent DISCONNECT with this reason.
    case disconnected(APFDisconnectReason)
    /// Close the socket.
    case close(reason: String)
}
