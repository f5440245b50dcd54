// SPDX-License-Identifier: Apache-2.0

internal import WSMAN

/// The AMT calls beyond power state, as pure transitions of the model (wsman.md §3, §5).
extension DeviceModel {
    /// RequestPowerStateChange with its side effects: an audit record (17xx), and on a
    /// transition that boots, a boot-progress sequence in the event log and the one-shot boot
    /// overrides used up.
    public mutating func performPowerAction(_ requested: Int, at time: UInt32) -> Int {
        let wasOn = self.isOn
        let rv = self.requestPowerStateChange(requested)
        guard rv == 0 else { return rv }
        let event: UInt16 =
            switch requested {
            case 2: 0
            case 6, 8: 1
            case 5, 9, 15, 16: 2
            case 10: 3
            case 12, 13: 5
            case 14: 6
            case 3, 4: 7
            case 7: 8
            default: 9  // 11: NMI
            }
        self.amt.audit(app: 17, event: event, at: time)
        let boots = self.isOn && (!wasOn || [5, 9, 10, 14, 15, 16].contains(requested))
        if boots {
            self.amt.logBoot(at: time)
            self.amt.consumeBootOverrides()
        }
        return 0
    }

    /// Put AMT_BootSettingData: known writable properties are merged, the rest ignored.
    public mutating func putBootSettings(_ values: [String: String], at time: UInt32) {
        for (name, value) in values where SimulatedAMTState.neutralBoot[name] != nil {
            self.amt.boot[name] = value
        }
        self.amt.audit(app: 17, event: 4, at: time)
    }

    /// SetBootConfigRole: 0 on success, 5 (invalid parameter) for a role outside 0...2.
    public mutating func setBootConfigRole(_ role: Int?) -> Int {
        guard let role, (0...2).contains(role) else { return 5 }
        self.amt.bootConfigRole = role
        return 0
    }

    /// ChangeBootOrder: a known source is forced, no source clears it, an unknown one is 4.
    public mutating func changeBootOrder(source: String?) -> Int {
        guard let source else {
            self.amt.pendingBootSource = nil
            return 0
        }
        guard SimulatedAMTState.bootSources.contains(source) else { return 4 }
        self.amt.pendingBootSource = source
        return 0
    }

    /// AddAlarm. Errors are the faults AMT gives: QuotaLimit at five alarms,
    /// InvalidRepresentation for missing values or a duplicate InstanceID.
    public mutating func addAlarm(_ alarm: SimulatedAlarm) -> WSMANFaultReason? {
        guard !alarm.instanceID.isEmpty, alarm.instanceID.count <= 32, !alarm.startTime.isEmpty,
            !self.amt.alarms.contains(where: { $0.instanceID == alarm.instanceID })
        else { return .invalidRepresentation }
        guard self.amt.alarms.count < SimulatedAMTState.maxAlarms else { return .quotaLimit }
        self.amt.alarms.append(alarm)
        return nil
    }

    public mutating func deleteAlarm(_ instanceID: String?) -> WSMANFaultReason? {
        guard let index = self.amt.alarms.firstIndex(where: { $0.instanceID == instanceID }) else {
            return .destinationUnreachable
        }
        self.amt.alarms.remove(at: index)
        return nil
    }

    /// Unprovision(ProvisioningMode): 0 and an audit 1619 "Remote WSMAN" for mode 1, else 36.
    public mutating func unprovision(mode: Int?, at time: UInt32) -> Int {
        guard mode == 1 else { return 36 }
        self.amt.audit(app: 16, event: 19, at: time, extended: [4])
        self.amt.unprovisioned = true
        return 0
    }

    /// ReadRecords(StartIndex): up to 10 records from the 1-based index, oldest first.
    public func readAuditRecords(start: Int) -> (total: Int, records: [[UInt8]], returnValue: Int) {
        let log = self.amt.auditLog
        guard start >= 1, start <= max(1, log.count) else { return (log.count, [], 35) }
        return (log.count, Array(log.dropFirst(start - 1).prefix(10)), 0)
    }

    /// GetRecords(IterationIdentifier, MaxReadRecords): newest first; the identifier is
    /// 1-based and advances by the number returned.
    public func eventRecords(from iteration: Int, max: Int) -> (records: [[UInt8]], next: Int, done: Bool)? {
        let log = self.amt.eventLog
        guard iteration >= 1, iteration <= log.count + 1, max >= 1 else { return nil }
        let slice = Array(log.dropFirst(iteration - 1).prefix(max))
        let next = iteration + slice.count
        return (slice, next, next > log.count)
    }
}

extension WSMANFaultReason {
    public static let invalidRepresentation = Self(
        subcode: "InvalidRepresentation", reason: "The XML content is not valid.",
        action: WSMANAction.wsmanFault)
    public static let quotaLimit = Self(
        subcode: "QuotaLimit", reason: "The service is busy servicing other requests.",
        action: WSMANAction.wsmanFault)
}
