// SPDX-License-Identifier: Apache-2.0

/// Power state from `CIM_AssociatedPowerManagementService` (W1, wsman.md §3.5).
public struct AssociatedPowerManagementService: Sendable, Equatable {
    public var powerState: Int
    public var requestedPowerState: Int?
    public var availableRequestedPowerStates: [Int]
    /// 0 ("unknown") when AMT omits it, as it does for powered-off devices (B22).
    public var osPowerSavingState: Int

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.powerState = try i.requiredInt("PowerState")
        self.requestedPowerState = try i.int("RequestedPowerState")
        self.availableRequestedPowerStates = try i.ints("AvailableRequestedPowerStates")
        self.osPowerSavingState = try i.int("OSPowerSavingState") ?? 0
    }
}

/// One `CIM_SoftwareIdentity` instance (W2).
public struct SoftwareIdentity: Sendable, Equatable {
    public var instanceID: String
    public var versionString: String
    public var isEntity: Bool

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.instanceID = try i.requiredString("InstanceID")
        self.versionString = i.string("VersionString") ?? ""
        self.isEntity = try i.bool("IsEntity") ?? false
    }

    /// All identities in a Pull response, in order.
    public static func list(_ r: WSMANResponse) throws(WSMANDecodingError) -> [SoftwareIdentity] {
        var out: [SoftwareIdentity] = []
        for i in r.instances("CIM_SoftwareIdentity") { out.append(try SoftwareIdentity(i)) }
        return out
    }

    /// The AMT firmware version (`InstanceID == "AMT"`), e.g. `15.0.23`.
    public static func amtVersion(_ list: [SoftwareIdentity]) -> String? {
        list.first { $0.instanceID == "AMT" }?.versionString
    }
}

/// `AMT_SetupAndConfigurationService` (W3). The provisioning OTP is deliberately not kept.
public struct SetupAndConfigurationService: Sendable, Equatable {
    public var enabledState: Int?
    public var passwordModel: Int?
    /// 1 = Admin Control Mode, 4 = Client Control Mode.
    public var provisioningMode: Int?
    /// 0 pre-, 1 in-, 2 post-provisioning.
    public var provisioningState: Int
    public var zeroTouchConfigurationEnabled: Bool?

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.enabledState = try i.int("EnabledState")
        self.passwordModel = try i.int("PasswordModel")
        self.provisioningMode = try i.int("ProvisioningMode")
        self.provisioningState = try i.requiredInt("ProvisioningState")
        self.zeroTouchConfigurationEnabled = try i.bool("ZeroTouchConfigurationEnabled")
    }
}

/// `AMT_GeneralSettings` (W4).
public struct GeneralSettings: Sendable, Equatable {
    public var digestRealm: String
    public var hostName: String
    public var domainName: String
    public var hostOSFQDN: String?
    public var networkInterfaceEnabled: Bool?
    public var pingResponseEnabled: Bool?
    public var powerSource: Int?
    public var privacyLevel: Int?
    public var amtNetworkEnabled: Int?

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.digestRealm = try i.requiredString("DigestRealm")
        self.hostName = i.string("HostName") ?? ""
        self.domainName = i.string("DomainName") ?? ""
        self.hostOSFQDN = i.string("HostOSFQDN")
        self.networkInterfaceEnabled = try i.bool("NetworkInterfaceEnabled")
        self.pingResponseEnabled = try i.bool("PingResponseEnabled")
        self.powerSource = try i.int("PowerSource")
        self.privacyLevel = try i.int("PrivacyLevel")
        self.amtNetworkEnabled = try i.int("AMTNetworkEnabled")
    }
}

/// `AMT_BootCapabilities` (W5): the flags power/capabilities needs (wsman.md §3.4).
public struct BootCapabilities: Sendable, Equatable {
    public var biosSetup: Bool
    public var biosPause: Bool
    public var secureErase: Bool
    public var forceDiagnosticBoot: Bool
    public var forcePXEBoot: Bool
    public var forceHardDriveBoot: Bool
    public var forceCDorDVDBoot: Bool
    public var ider: Bool
    public var sol: Bool
    public var forceUEFIHTTPSBoot: Bool
    public var forceWinREBoot: Bool
    public var forceUEFIPBABoot: Bool

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.biosSetup = try i.bool("BIOSSetup") ?? false
        self.biosPause = try i.bool("BIOSPause") ?? false
        self.secureErase = try i.bool("SecureErase") ?? false
        self.forceDiagnosticBoot = try i.bool("ForceDiagnosticBoot") ?? false
        self.forcePXEBoot = try i.bool("ForcePXEBoot") ?? false
        self.forceHardDriveBoot = try i.bool("ForceHardDriveBoot") ?? false
        self.forceCDorDVDBoot = try i.bool("ForceCDorDVDBoot") ?? false
        self.ider = try i.bool("IDER") ?? false
        self.sol = try i.bool("SOL") ?? false
        // Older firmware omits the UEFI fields (the .v1.xml capture); absent means unsupported.
        self.forceUEFIHTTPSBoot = try i.bool("ForceUEFIHTTPSBoot") ?? false
        self.forceWinREBoot = try i.bool("ForceWinREBoot") ?? false
        self.forceUEFIPBABoot = try i.bool("ForceUEFIPBABoot") ?? false
    }
}
