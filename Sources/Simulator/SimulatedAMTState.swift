// SPDX-License-Identifier: Apache-2.0

/// The AMT feature state of a simulated device beyond power (wsman.md §5): boot settings,
/// redirection, user consent, alarms and the two logs. A pure value; times are passed in.
public struct SimulatedAMTState: Sendable, Equatable {
    /// AMT_BootSettingData, writable properties by name (read-only ones are fixed).
    public var boot: [String: String] = SimulatedAMTState.neutralBoot
    /// Set by SetBootConfigRole; nil until then.
    public var bootConfigRole: Int?
    /// The forced boot source (ChangeBootOrder), nil when none.
    public var pendingBootSource: String?

    /// AMT_RedirectionService: 32768 + IDER (bit 0) + SOL (bit 1).
    public var redirectionState = 32771
    public var listenerEnabled = true
    /// Whether the part has KVM (false: CIM_KVMRedirectionSAP answers DestinationUnreachable).
    public var kvmAvailable = true
    /// CIM_KVMRedirectionSAP: 2 enabled, 3 disabled, 6 enabled but offline.
    public var kvmEnabledState = 6
    public var kvmRequestedState = 2

    /// IPS_OptInService.OptInRequired: 0 none, 1 KVM, 0xFFFFFFFF all.
    public var optInRequired: UInt32 = 0xFFFF_FFFF
    /// 0 not started, 1 requested, 2 displayed, 3 received, 4 in session.
    public var optInState = 0
    public var consentCode: String?
    public var failedConsentAttempts = 0

    // TODO(#3): fire alarms at StartTime (power on when off, then delete or reschedule).
    public var alarms: [SimulatedAlarm] = []
    /// Encoded audit records, oldest first (wsman.md §3.9 layout).
    public var auditLog: [[UInt8]] = []
    /// Encoded event records, newest first, at most ``maxEventRecords``.
    public var eventLog: [[UInt8]] = []
    /// Set by a successful Unprovision.
    public var unprovisioned = false
    /// Things a real device shows on its screen (the consent code), for the simulator's log.
    public var notices: [String] = []

    public init() {}

    public static let maxAlarms = 5
    public static let maxEventRecords = 390
    public static let maxAuditRecords = 1100

    /// Boot-override flags and their neutral values (one-shot ones are reset after a boot).
    public static let neutralBoot: [String: String] = {
        var d: [String: String] = [:]
        for flag in [
            "BIOSPause", "BIOSSetup", "ConfigurationDataReset", "EnforceSecureBoot", "ForcedProgressEvents",
            "LockKeyboard", "LockPowerButton", "LockResetButton", "LockSleepButton", "ReflashBIOS",
            "SecureErase",
            "UseIDER", "UseSOL", "UseSafeMode", "UserPasswordBypass",
        ] { d[flag] = "false" }
        d["BootMediaIndex"] = "0"
        d["FirmwareVerbosity"] = "0"
        d["IDERBootDevice"] = "0"
        return d
    }()

    /// Boot sources a ChangeBootOrder may name.
    public static let bootSources: Set<String> = [
        "Intel(r) AMT: Force Hard-drive Boot", "Intel(r) AMT: Force CD/DVD Boot",
        "Intel(r) AMT: Force PXE Boot",
        "Intel(r) AMT: Force Diagnostic Boot",
    ]

    // MARK: Logs

    /// Appends an audit record by `admin` from the MPS's channel address (initiator type 0,
    /// IPv4 text), trimming the oldest beyond ``maxAuditRecords``.
    public mutating func audit(app: UInt16, event: UInt16, at time: UInt32, extended: [UInt8] = []) {
        var r: [UInt8] = [UInt8(app >> 8), UInt8(app & 0xFF), UInt8(event >> 8), UInt8(event & 0xFF), 0]
        let user = Array("admin".utf8)
        let address = Array("1.2.3.4".utf8)
        r.append(UInt8(user.count))
        r += user
        r += [UInt8(time >> 24), UInt8((time >> 16) & 0xFF), UInt8((time >> 8) & 0xFF), UInt8(time & 0xFF)]
        r += [0, UInt8(address.count)] + address
        r.append(UInt8(min(extended.count, 255)))
        r += extended.prefix(255)
        self.auditLog.append(r)
        if self.auditLog.count > Self.maxAuditRecords { self.auditLog.removeFirst() }
    }

    /// Adds a BIOS boot-progress sequence (sensor 15, offset 2), newest first in the log. The
    /// steps are 2 s apart and the last is at `time` (the log never holds a time still to come).
    public mutating func logBoot(at time: UInt32) {
        let steps: [(entity: UInt8, progress: UInt8)] = [(34, 1), (7, 6), (7, 7), (34, 9), (4, 19)]
        for (i, step) in steps.enumerated() {
            let t = time &- UInt32((steps.count - 1 - i) * 2)
            var r: [UInt8] = [
                UInt8(t & 0xFF), UInt8((t >> 8) & 0xFF), UInt8((t >> 16) & 0xFF), UInt8(t >> 24),
            ]
            r += [255, 15, 111, 2, 104, 1, 255, step.entity, 0, 64, step.progress, 0, 0, 0, 0, 0, 0]
            self.eventLog.insert(r, at: 0)
        }
        if self.eventLog.count > Self.maxEventRecords {
            self.eventLog.removeLast(self.eventLog.count - Self.maxEventRecords)
        }
    }

    /// After a boot: the one-shot overrides and the forced source are used up.
    public mutating func consumeBootOverrides() {
        for flag in ["BIOSSetup", "BIOSPause", "SecureErase", "UseIDER", "UseSOL", "ReflashBIOS"] {
            self.boot[flag] = "false"
        }
        self.boot["IDERBootDevice"] = "0"
        self.pendingBootSource = nil
    }

    // MARK: Redirection and consent

    var solEnabled: Bool { self.redirectionState & 2 != 0 }
    var iderEnabled: Bool { self.redirectionState & 1 != 0 }
    var kvmEnabled: Bool { self.kvmEnabledState == 2 || self.kvmEnabledState == 6 }

    /// RequestStateChange on AMT_RedirectionService; ReturnValue 5 for a value outside 32768...32771.
    public mutating func setRedirection(_ requested: Int, at time: UInt32) -> Int {
        guard (32768...32771).contains(requested) else { return 5 }
        let oldSOL = self.solEnabled
        let oldIDER = self.iderEnabled
        self.redirectionState = requested
        if oldSOL != self.solEnabled { self.audit(app: 18, event: self.solEnabled ? 6 : 7, at: time) }
        if oldIDER != self.iderEnabled { self.audit(app: 18, event: self.iderEnabled ? 2 : 3, at: time) }
        return 0
    }

    /// RequestStateChange on CIM_KVMRedirectionSAP: 2 enables (reported as 6 while no session),
    /// 3 disables; anything else is ReturnValue 5.
    public mutating func setKVM(_ requested: Int, at time: UInt32) -> Int {
        guard requested == 2 || requested == 3 else { return 5 }
        let old = self.kvmEnabled
        self.kvmRequestedState = requested
        self.kvmEnabledState = requested == 2 ? 6 : 3
        if old != self.kvmEnabled { self.audit(app: 18, event: self.kvmEnabled ? 10 : 11, at: time) }
        return 0
    }

    /// Index into [None, KVM, All] for the audit record of a policy change.
    static func policyIndex(_ v: UInt32) -> UInt8 { v == 0 ? 0 : v == 1 ? 1 : 2 }

    /// Put of OptInRequired; false for a value AMT does not define.
    public mutating func setOptInRequired(_ value: UInt32, at time: UInt32) -> Bool {
        guard value == 0 || value == 1 || value == 0xFFFF_FFFF else { return false }
        if value != self.optInRequired {
            self.audit(
                app: 30, event: 0, at: time,
                extended: [Self.policyIndex(self.optInRequired), Self.policyIndex(value)])
            self.optInRequired = value
        }
        return true
    }

    /// StartOptIn: shows `code` on the "screen". 16 when consent is not required, 2 while a
    /// code is already shown.
    public mutating func startOptIn(code: String) -> Int {
        guard self.optInRequired != 0 else { return 16 }
        guard self.optInState == 0 || self.optInState >= 3 else { return 2 }
        self.consentCode = code
        self.failedConsentAttempts = 0
        self.optInState = 2
        self.notices.append("user consent code displayed: \(code)")
        return 0
    }

    /// SendOptInCode: 0 on a match (state 3), 2065 for a wrong code, 2066 at the third miss
    /// (the attempt ends), 2 when no code is shown.
    public mutating func sendOptInCode(_ code: String, at time: UInt32) -> Int {
        guard self.optInState == 2, let expected = self.consentCode else { return 2 }
        if Int(code) == Int(expected) {
            self.optInState = 3
            self.consentCode = nil
            self.audit(app: 30, event: 1, at: time, extended: [0])
            return 0
        }
        self.failedConsentAttempts += 1
        guard self.failedConsentAttempts >= 3 else { return 2065 }
        self.optInState = 0
        self.consentCode = nil
        self.audit(app: 30, event: 1, at: time, extended: [1])
        return 2066
    }

    public mutating func cancelOptIn() -> Int {
        self.optInState = 0
        self.consentCode = nil
        return 0
    }
}

/// One IPS_AlarmClockOccurrence.
public struct SimulatedAlarm: Sendable, Equatable {
    public var instanceID: String
    public var elementName: String
    public var startTime: String
    public var interval: String?
    public var deleteOnCompletion: Bool

    public init(
        instanceID: String, elementName: String, startTime: String, interval: String?,
        deleteOnCompletion: Bool
    ) {
        self.instanceID = instanceID
        self.elementName = elementName
        self.startTime = startTime
        self.interval = interval
        self.deleteOnCompletion = deleteOnCompletion
    }
}
