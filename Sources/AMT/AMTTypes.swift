public import Foundation
public import JSON

/// A DMTF power action for `power/action` (wsman.md §3.1): sent to AMT unchanged.
public struct PowerAction: Sendable, Equatable {
    public let value: Int

    /// The values the REST route accepts (9, power cycle off-hard, is rejected as in the reference).
    public static let allowed: [Int] = [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17]

    public init?(_ value: Int) {
        guard Self.allowed.contains(value) else { return nil }
        self.value = value
    }
}

/// An extended boot action for `power/bootOptions` (wsman.md §3.1, §3.3).
public enum BootAction: Int, Sendable, CaseIterable {
    case powerUpToBIOS = 100
    case resetToBIOS = 101
    case resetToSecureErase = 104
    case resetToIDERFloppy = 200
    case powerOnToIDERFloppy = 201
    case resetToIDERCDROM = 202
    case powerOnToIDERCDROM = 203
    case powerOnToDiagnostic = 300
    case resetToDiagnostic = 301
    case resetToPXE = 400
    case powerOnToPXE = 401

    /// The DMTF power state sent after the boot set-up: 10 (reset) or 2 (power on).
    public var powerState: Int {
        switch self {
        case .resetToBIOS, .resetToSecureErase, .resetToIDERFloppy, .resetToIDERCDROM,
            .resetToDiagnostic, .resetToPXE:
            10
        default: 2
        }
    }

    /// The CIM_BootSourceSetting to force, if any.
    public var bootSource: String? {
        switch self {
        case .resetToPXE, .powerOnToPXE: "Intel(r) AMT: Force PXE Boot"
        case .powerOnToDiagnostic, .resetToDiagnostic: "Intel(r) AMT: Force Diagnostic Boot"
        default: nil
        }
    }

    var biosSetup: Bool { self == .powerUpToBIOS || self == .resetToBIOS }
    var useIDER: Bool { (200..<300).contains(self.rawValue) }
    var iderBootDevice: Int { self == .resetToIDERCDROM || self == .powerOnToIDERCDROM ? 1 : 0 }
}

/// The user-consent policy (IPS_OptInService.OptInRequired).
public enum UserConsent: String, Sendable, CaseIterable {
    case none, kvm, all

    public var optInRequired: UInt32 {
        switch self {
        case .none: 0
        case .kvm: 1
        case .all: 0xFFFF_FFFF
        }
    }

    /// The policy for an OptInRequired value; nil for a value AMT does not define.
    public init?(optInRequired: UInt32) {
        guard let match = Self.allCases.first(where: { $0.optInRequired == optInRequired }) else {
            return nil
        }
        self = match
    }
}

/// What `features` reports (wsman.md §3.11).
public struct AMTFeatures: Sendable, Equatable {
    /// nil when the device reports an OptInRequired value outside none/kvm/all.
    public var userConsent: UserConsent?
    public var redirection: Bool
    public var kvm: Bool
    public var sol: Bool
    public var ider: Bool
    public var optInState: Int
    public var kvmAvailable: Bool

    public init(
        userConsent: UserConsent?, redirection: Bool, kvm: Bool, sol: Bool, ider: Bool, optInState: Int,
        kvmAvailable: Bool
    ) {
        self.userConsent = userConsent
        self.redirection = redirection
        self.kvm = kvm
        self.sol = sol
        self.ider = ider
        self.optInState = optInState
        self.kvmAvailable = kvmAvailable
    }

    public var json: JSONValue {
        [
            "userConsent": self.userConsent.map { .string($0.rawValue) } ?? .null,
            "redirection": .bool(self.redirection), "KVM": .bool(self.kvm), "SOL": .bool(self.sol),
            "IDER": .bool(self.ider), "optInState": .int(self.optInState),
            "kvmAvailable": .bool(self.kvmAvailable),
        ]
    }
}

/// The body of `POST features`: every field required, as in the reference.
public struct FeatureSettings: Sendable, Equatable {
    public var userConsent: UserConsent
    public var enableSOL: Bool
    public var enableIDER: Bool
    public var enableKVM: Bool

    public init(userConsent: UserConsent, enableSOL: Bool, enableIDER: Bool, enableKVM: Bool) {
        self.userConsent = userConsent
        self.enableSOL = enableSOL
        self.enableIDER = enableIDER
        self.enableKVM = enableKVM
    }
}

/// A new alarm (AMT_AlarmClockService.AddAlarm, wsman.md §3.15).
public struct AlarmTemplate: Sendable, Equatable {
    public var instanceID: String
    public var elementName: String
    public var startTime: Date
    /// Repeat interval in minutes; 0 = once.
    public var intervalMinutes: Int
    public var deleteOnCompletion: Bool

    /// AMT limits InstanceID to 32 characters (the simulator enforces the same).
    public static let maxNameLength = 32

    /// Validates like the route: names 1...32 characters, interval 0...(a year of minutes).
    public init(
        elementName: String, startTime: Date, intervalMinutes: Int = 0, instanceID: String? = nil,
        deleteOnCompletion: Bool = true
    ) throws(AMTError) {
        guard !elementName.isEmpty, elementName.count <= 256 else {
            throw .invalidArgument(field: "ElementName", reason: "must be 1 to 256 characters")
        }
        let id = instanceID ?? elementName
        guard !id.isEmpty, id.count <= Self.maxNameLength else {
            throw .invalidArgument(
                field: instanceID == nil ? "ElementName" : "InstanceID",
                reason: "the alarm's InstanceID must be 1 to \(Self.maxNameLength) characters")
        }
        guard (0...525_600).contains(intervalMinutes) else {
            throw .invalidArgument(field: "Interval", reason: "must be 0 to 525600 minutes")
        }
        self.instanceID = id
        self.elementName = elementName
        self.startTime = startTime
        self.intervalMinutes = intervalMinutes
        self.deleteOnCompletion = deleteOnCompletion
    }

    /// `P{d}DT{h}H{m}M`, as the reference sends it (also for 0 minutes).
    public var intervalText: String {
        let m = self.intervalMinutes
        return "P\(m / 1440)DT\((m % 1440) / 60)H\(m % 60)M"
    }

    /// ISO-8601 UTC without fractional seconds.
    public var startTimeText: String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: self.startTime)
    }
}

/// A page of the audit log: newest first.
public struct AuditLogPageResult: Sendable, Equatable {
    public var totalCount: Int
    public var records: [AuditLogRecord]
}
