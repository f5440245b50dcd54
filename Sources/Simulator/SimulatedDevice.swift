// SPDX-License-Identifier: Apache-2.0

internal import APF

/// The configuration of one simulated AMT device: identity, credentials and behaviour knobs.
///
/// Every property is a `var` with an AMT-like default so tests can tweak a copy. In a fleet
/// file (JSON) only `guid` and the four credentials are required; missing knobs take these
/// defaults. The description redacts both passwords; the encoded JSON does not (a fleet file
/// is a credentials file and should be kept like one).
public struct SimulatedDevice: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The platform UUID sent in PROTOCOLVERSION (8-4-4-4-12 hex, any case).
    public var guid: String
    /// The MPS credentials configured into the device (APF USERAUTH).
    public var mpsUsername: String
    public var mpsPassword: String
    /// The AMT admin account that WS-MAN Digest authentication checks.
    public var amtUsername: String
    public var amtPassword: String
    /// AMT_GeneralSettings.HostName.
    public var hostname: String

    /// Seconds to wait before reconnecting after the tunnel closed or a connect failed;
    /// 0 means the device stays down until ``SimulatedDeviceHandle/reconnect()``.
    public var reconnectDelaySeconds: Double = 5
    /// Fixed keep-alive interval in whole seconds (rounded up). Such a device answers a
    /// KEEPALIVE_OPTIONS_REQUEST with its own interval and keeps it (like the firmware of field
    /// fault B01). 0 = start at 30 s and adopt the interval the MPS asks for.
    public var keepAliveSeconds: Double = 30
    /// Ports offered with tcpip-forward, in order (AMT's order, apf.md §5.1).
    public var forwardedPorts: [Int] = [16993, 16992, 664, 623, 16995, 16994, 5900]
    /// Window advertised in CHANNEL_OPEN_CONFIRMATION.
    public var channelWindow: Int = 32768
    /// Concurrent channels; further opens get CHANNEL_OPEN_FAILURE(4) (MPS #664).
    public var maxChannels: Int = 8
    /// DMTF PowerState at start (2 = on).
    public var initialPowerState: Int = 2
    /// Firmware version (`CIM_SoftwareIdentity` "AMT", the HTTP `Server` header).
    public var amtVersion: String = "16.1.25"
    /// Firmware build number ("Build Number", the last part of the `Server` header).
    public var amtBuild: String = "2049"
    /// 1 = Admin Control Mode, 4 = Client Control Mode.
    public var provisioningMode: Int = 1
    /// How long a Digest nonce stays valid; later uses get 401 with `stale="true"`.
    public var nonceLifetimeSeconds: Double = 300
    /// How many requests one Digest nonce authorizes; the next gets 401 with `stale="true"`.
    public var nonceMaxUses: Int = 1000
    /// Faults active from the start (see ``SimulatedFault``).
    public var faults: [SimulatedFault] = []
    /// Benchmarks: after a KVM start, send this many bulk bytes instead of RFB, then close
    /// the channel. 0 = a normal RFB desktop.
    public var kvmStreamBytes: Int = 0

    public init(
        guid: String,
        mpsUsername: String,
        mpsPassword: String,
        amtUsername: String,
        amtPassword: String,
        hostname: String
    ) {
        self.guid = guid
        self.mpsUsername = mpsUsername
        self.mpsPassword = mpsPassword
        self.amtUsername = amtUsername
        self.amtPassword = amtPassword
        self.hostname = hostname
    }

    public var description: String {
        "SimulatedDevice(guid: \(self.guid), mpsUser: \(self.mpsUsername), amtUser: "
            + "\(self.amtUsername), passwords: <redacted>, host: \(self.hostname))"
    }

    /// Checks the values a device cannot run with.
    /// - Throws: ``SimulatorConfigurationError`` naming the first bad field (never a password).
    public func validate() throws(SimulatorConfigurationError) {
        guard APFGUID.normalize(self.guid) != nil else { throw .init("guid", "not a UUID") }
        guard !self.mpsUsername.isEmpty, self.mpsUsername.utf8.count <= 64 else {
            throw .init("mpsUsername", "must be 1 to 64 bytes")
        }
        guard self.mpsPassword.utf8.count <= 2048, self.amtPassword.utf8.count <= 2048 else {
            throw .init("password", "longer than 2048 bytes")
        }
        guard !self.amtUsername.isEmpty else { throw .init("amtUsername", "must not be empty") }
        guard self.reconnectDelaySeconds >= 0, self.reconnectDelaySeconds <= 86_400 else {
            throw .init("reconnectDelaySeconds", "must be 0 to 86400")
        }
        guard self.keepAliveSeconds >= 0, self.keepAliveSeconds <= 86_400 else {
            throw .init("keepAliveSeconds", "must be 0 to 86400")
        }
        guard !self.forwardedPorts.isEmpty, self.forwardedPorts.allSatisfy({ (1...65535).contains($0) })
        else { throw .init("forwardedPorts", "must be 1 to 65535 each") }
        guard (1...(1 << 24)).contains(self.channelWindow) else {
            throw .init("channelWindow", "must be 1 to 16777216")
        }
        guard (1...64).contains(self.maxChannels) else { throw .init("maxChannels", "must be 1 to 64") }
        guard DeviceModel.settablePowerStates.contains(self.initialPowerState) else {
            throw .init("initialPowerState", "must be one of 2, 3, 4, 6, 7, 8")
        }
        guard self.nonceLifetimeSeconds > 0 else { throw .init("nonceLifetimeSeconds", "must be > 0") }
        guard self.nonceMaxUses > 0 else { throw .init("nonceMaxUses", "must be > 0") }
        guard self.kvmStreamBytes >= 0 else { throw .init("kvmStreamBytes", "must be >= 0") }
    }

    /// The keep-alive interval in whole seconds, and whether the MPS's options are adopted.
    var keepAlivePolicy: (seconds: UInt32, adopts: Bool) {
        guard self.keepAliveSeconds > 0 else { return (30, true) }
        return (UInt32(min(86_400, self.keepAliveSeconds.rounded(.up))), false)
    }

    private enum CodingKeys: String, CodingKey {
        case guid, mpsUsername, mpsPassword, amtUsername, amtPassword, hostname
        case reconnectDelaySeconds, keepAliveSeconds, forwardedPorts, channelWindow, maxChannels
        case initialPowerState, amtVersion, amtBuild, provisioningMode, nonceLifetimeSeconds, faults
        case nonceMaxUses, kvmStreamBytes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            guid: try c.decode(String.self, forKey: .guid),
            mpsUsername: try c.decode(String.self, forKey: .mpsUsername),
            mpsPassword: try c.decode(String.self, forKey: .mpsPassword),
            amtUsername: try c.decode(String.self, forKey: .amtUsername),
            amtPassword: try c.decode(String.self, forKey: .amtPassword),
            hostname: try c.decodeIfPresent(String.self, forKey: .hostname) ?? ""
        )
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.reconnectDelaySeconds, &self.reconnectDelaySeconds)
        try read(.keepAliveSeconds, &self.keepAliveSeconds)
        try read(.forwardedPorts, &self.forwardedPorts)
        try read(.channelWindow, &self.channelWindow)
        try read(.maxChannels, &self.maxChannels)
        try read(.initialPowerState, &self.initialPowerState)
        try read(.amtVersion, &self.amtVersion)
        try read(.amtBuild, &self.amtBuild)
        try read(.provisioningMode, &self.provisioningMode)
        try read(.nonceLifetimeSeconds, &self.nonceLifetimeSeconds)
        try read(.nonceMaxUses, &self.nonceMaxUses)
        try read(.faults, &self.faults)
        try read(.kvmStreamBytes, &self.kvmStreamBytes)
    }
}

/// A configuration value the simulator cannot run with. Its text names the field only.
public struct SimulatorConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let problem: String

    init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(self.field): \(self.problem)" }
}
