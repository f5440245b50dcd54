// SPDX-License-Identifier: Apache-2.0

internal import APF
internal import Crypto

/// The state of one simulated AMT device that WS-MAN reads and changes: identity, firmware,
/// provisioning and power. A pure value type with no I/O, so every transition is unit-tested.
///
/// Power follows wsman.md §5: the DMTF actions allowed depend on the current state, an action
/// not allowed from here returns ReturnValue 2 and changes nothing, and transient actions
/// (5 power cycle, 10 reset) end with the device on. Boot overrides, redirection, consent,
/// alarms and the audit/event logs live in ``amt``.
public struct DeviceModel: Sendable, Equatable {
    /// DMTF power states a device can be put in directly (config, tests).
    public static let settablePowerStates: Set<Int> = [2, 3, 4, 6, 7, 8]

    /// Lowercase canonical GUID (the CIRA node id).
    public let guid: String
    public var hostname: String
    /// `Digest:` + 32 uppercase hex digits; the same value as AMT_GeneralSettings.DigestRealm.
    public let digestRealm: String
    public var amtVersion: String
    public var amtBuild: String
    /// 1 = Admin Control Mode, 4 = Client Control Mode.
    public var provisioningMode: Int
    /// Current DMTF PowerState.
    public private(set) var powerState: Int
    /// The last state asked for with RequestPowerStateChange (initially the current one).
    public private(set) var requestedPowerState: Int
    /// Boot settings, redirection, consent, alarms and logs (``SimulatedAMTState``).
    public var amt = SimulatedAMTState()

    /// - Parameter guid: a UUID string; callers validate it first (``SimulatedDevice/validate()``).
    public init(
        guid: String,
        hostname: String,
        amtVersion: String = "16.1.25",
        amtBuild: String = "2049",
        provisioningMode: Int = 1,
        powerState: Int = 2
    ) {
        let canonical = APFGUID.normalize(guid) ?? guid.lowercased()
        self.guid = canonical
        self.hostname = hostname
        // Unique per device and stable across restarts, like a real device's realm.
        self.digestRealm = "Digest:" + Hash.md5Hex("amt-sim realm " + canonical).uppercased()
        self.amtVersion = amtVersion
        self.amtBuild = amtBuild
        self.provisioningMode = provisioningMode
        self.powerState = powerState
        self.requestedPowerState = powerState
    }

    /// A model for one configured device.
    public init(_ device: SimulatedDevice) {
        self.init(
            guid: device.guid,
            hostname: device.hostname,
            amtVersion: device.amtVersion,
            amtBuild: device.amtBuild,
            provisioningMode: device.provisioningMode,
            powerState: device.initialPowerState
        )
    }

    /// PlatformGUID as AMT writes it: the first three groups byte-swapped, uppercase, no dashes.
    public var platformGUID: String {
        guard let wire = APFGUID.wireBytes(from: self.guid) else { return "" }
        return hex(wire).uppercased()
    }

    /// The `Server` header value, e.g. `Intel(R) Active Management Technology 16.1.25.2049`.
    public var serverHeader: String {
        "Intel(R) Active Management Technology \(self.amtVersion).\(self.amtBuild)"
    }

    /// True in S0 (on); OSPowerSavingState is reported only then (AMT omits it when off, B22).
    public var isOn: Bool { self.powerState == 2 }

    /// The DMTF actions RequestPowerStateChange accepts from the current state (wsman.md §5).
    public var availableRequestedPowerStates: [Int] {
        switch self.powerState {
        case 2: [4, 5, 7, 8, 10, 11]
        case 3, 4: [2, 5, 8]
        case 7: [2, 8]
        default: [2]  // 6 and 8: off
        }
    }

    /// Carries out `CIM_PowerManagementService.RequestPowerStateChange`.
    /// - Returns: the method's ReturnValue: 0 done, 2 not allowed from the current state.
    public mutating func requestPowerStateChange(_ requested: Int) -> Int {
        guard self.availableRequestedPowerStates.contains(requested) || requested == self.powerState
        else { return 2 }
        self.requestedPowerState = requested
        switch requested {
        case 5, 9, 10, 14, 15, 16: self.powerState = 2  // cycles and resets come back on
        case 11: break  // NMI: no state change
        case 12: self.powerState = 8
        case 13: self.powerState = 6
        default: self.powerState = requested
        }
        return 0
    }

    /// Puts the device straight into `state` (a test control, not a WS-MAN call).
    /// - Returns: false, changing nothing, unless `state` is in ``settablePowerStates``.
    @discardableResult
    public mutating func setPowerState(_ state: Int) -> Bool {
        guard Self.settablePowerStates.contains(state) else { return false }
        self.powerState = state
        self.requestedPowerState = state
        return true
    }
}
