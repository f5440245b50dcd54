// SPDX-License-Identifier: Apache-2.0

internal import Crypto
internal import Foundation
internal import WSMAN

extension WSMANDispatcher {
    /// Seconds since 1970 for log records (the device's clock).
    static func clock() -> UInt32 { UInt32(clamping: Int(Date().timeIntervalSince1970)) }

    /// The AMT feature calls of wsman.md §1.3 (W5–W30) over ``DeviceModel/amt``.
    mutating func registerAMTFeatures() {
        self.registerBoot()
        self.registerHardware()
        self.registerLogs()
        self.registerRedirection()
        self.registerConsentAndAlarms()
    }

    private mutating func registerBoot() {
        self.registerGet("AMT_BootCapabilities") { m, _ in m.bootCapabilities }
        self.registerGet("AMT_BootSettingData") { m, _ in m.bootSettingData }
        self.registerPut("AMT_BootSettingData") { m, r in
            m.putBootSettings(r.payloadValues, at: Self.clock())
            return .instance(m.bootSettingData)
        }
        self.registerMethod("CIM_BootService", "SetBootConfigRole") { m, r in
            .output([], returnValue: m.setBootConfigRole(r.payloadValues["Role"].flatMap { Int($0) }))
        }
        self.registerMethod("CIM_BootConfigSetting", "ChangeBootOrder") { m, r in
            let source = r.payload?.child("Source")?.descendant(["ReferenceParameters", "SelectorSet"])?
                .children(named: "Selector").first { $0.attribute("Name") == "InstanceID" }?.text
            return .output([], returnValue: m.changeBootOrder(source: source))
        }
        self.registerMethod("CIM_PowerManagementService", "RequestPowerStateChange") { m, r in
            guard let text = r.payloadValues["PowerState"], let state = Int(text) else {
                return .output([], returnValue: 5)  // DMTF: Invalid Parameter
            }
            return .output([], returnValue: m.performPowerAction(state, at: Self.clock()))
        }
    }

    private mutating func registerHardware() {
        self.registerGet("CIM_ComputerSystemPackage") { m, _ in m.computerSystemPackage }
        self.registerGet("CIM_Chassis") { m, _ in m.chassis }
        self.registerGet("CIM_Card") { m, _ in m.card }
        self.registerGet("CIM_BIOSElement") { m, _ in m.biosElement }
        self.registerEnumeration("CIM_Processor") { m, _ in [m.processor] }
        self.registerEnumeration("CIM_PhysicalMemory") { m, _ in m.memory }
        self.registerEnumeration("CIM_MediaAccessDevice") { m, _ in [m.mediaAccessDevice] }
        self.registerEnumeration("CIM_PhysicalPackage") { m, _ in [m.card, m.storagePackage, m.chassis] }
        self.registerEnumeration("CIM_SystemPackaging") { m, _ in [m.computerSystemPackage] }
        self.registerEnumeration("CIM_Chip") { m, _ in [m.chip] + m.memory }
    }

    private mutating func registerLogs() {
        self.registerMethod("AMT_AuditLog", "ReadRecords") { m, r in
            let start = r.payloadValues["StartIndex"].flatMap { Int($0) } ?? 0
            let read = m.readAuditRecords(start: start)
            return .output(
                [
                    ("TotalRecordCount", .text(String(read.total))),
                    ("RecordsReturned", .text(String(read.records.count))),
                    ("EventRecords", .list(read.records.map { Data($0).base64EncodedString() })),
                ], returnValue: read.returnValue)
        }
        self.registerMethod("AMT_MessageLog", "PositionToFirstRecord") { _, _ in
            .output([("IterationIdentifier", .text("1"))], returnValue: 0)
        }
        self.registerMethod("AMT_MessageLog", "GetRecords") { m, r in
            let id = r.payloadValues["IterationIdentifier"].flatMap { Int($0) } ?? 0
            let max = r.payloadValues["MaxReadRecords"].flatMap { Int($0) } ?? 0
            guard let batch = m.eventRecords(from: id, max: max) else { return .output([], returnValue: 36) }
            return .output(
                [
                    ("IterationIdentifier", .text(String(batch.next))),
                    ("NoMoreRecords", .text(batch.done ? "true" : "false")),
                    ("RecordArray", .list(batch.records.map { Data($0).base64EncodedString() })),
                ], returnValue: 0)
        }
    }

    private mutating func registerRedirection() {
        self.registerGet("AMT_RedirectionService") { m, _ in m.redirectionService }
        self.registerMethod("AMT_RedirectionService", "RequestStateChange") { m, r in
            let v = r.payloadValues["RequestedState"].flatMap { Int($0) } ?? -1
            return .output([], returnValue: m.amt.setRedirection(v, at: Self.clock()))
        }
        self.registerPut("AMT_RedirectionService") { m, r in
            if let listener = r.payloadValues["ListenerEnabled"] {
                guard listener == "true" || listener == "false" else { return .fault(.invalidRepresentation) }
                m.amt.listenerEnabled = listener == "true"
            }
            return .instance(m.redirectionService)
        }
        // TODO(#3): a SimulatedDevice switch for parts without KVM (kvmAvailable = false).
        self.registerGet("CIM_KVMRedirectionSAP") { m, _ in m.kvmRedirectionSAP }
        self.registerMethod("CIM_KVMRedirectionSAP", "RequestStateChange") { m, r in
            guard m.amt.kvmAvailable else { return .fault(.destinationUnreachable) }
            let v = r.payloadValues["RequestedState"].flatMap { Int($0) } ?? -1
            return .output([], returnValue: m.amt.setKVM(v, at: Self.clock()))
        }
    }

    private mutating func registerConsentAndAlarms() {
        self.registerGet("IPS_OptInService") { m, _ in m.optInService }
        self.registerPut("IPS_OptInService") { m, r in
            if let text = r.payloadValues["OptInRequired"] {
                guard let v = UInt32(text), m.provisioningMode == 1 || v == 0xFFFF_FFFF,
                    m.amt.setOptInRequired(v, at: Self.clock())
                else { return .fault(.invalidRepresentation) }
            }
            return .instance(m.optInService)
        }
        self.registerMethod("IPS_OptInService", "StartOptIn") { m, _ in
            let n = SecureRandom.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 1_000_000
            let code = String(n)
            return .output(
                [], returnValue: m.amt.startOptIn(code: String(repeating: "0", count: 6 - code.count) + code))
        }
        self.registerMethod("IPS_OptInService", "SendOptInCode") { m, r in
            .output(
                [], returnValue: m.amt.sendOptInCode(r.payloadValues["OptInCode"] ?? "", at: Self.clock()))
        }
        self.registerMethod("IPS_OptInService", "CancelOptIn") { m, _ in
            .output([], returnValue: m.amt.cancelOptIn())
        }
        self.registerEnumeration("IPS_AlarmClockOccurrence") { m, _ in m.alarmOccurrences }
        self.registerDelete("IPS_AlarmClockOccurrence") { m, r in
            m.deleteAlarm(r.selectors.first { $0.name == "InstanceID" }?.value)
        }
        self.registerMethod("AMT_AlarmClockService", "AddAlarm") { m, r in
            guard let template = r.payload?.child("AlarmTemplate") else {
                return .fault(.invalidRepresentation)
            }
            let alarm = SimulatedAlarm(
                instanceID: template.child("InstanceID")?.text ?? "",
                elementName: template.child("ElementName")?.text ?? "",
                startTime: template.child("StartTime")?.child("Datetime")?.trimmedText ?? "",
                interval: template.child("Interval")?.child("Interval")?.trimmedText,
                deleteOnCompletion: template.child("DeleteOnCompletion")?.trimmedText != "false")
            if let fault = m.addAlarm(alarm) { return .fault(fault) }
            let epr = WSMANValue.reference(
                resourceURI: WSMANNamespace.ipsBase + "IPS_AlarmClockOccurrence",
                selectors: [WSMANSelector("InstanceID", alarm.instanceID)])
            return .output([("AlarmClock", epr)], returnValue: 0)
        }
        // TODO(#3): after a successful Unprovision, drop the CIRA connection a few seconds later
        // and stop reconnecting, as a real device does (wsman.md §3.17).
        self.registerMethod("AMT_SetupAndConfigurationService", "Unprovision") { m, r in
            .output(
                [],
                returnValue: m.unprovision(
                    mode: r.payloadValues["ProvisioningMode"].flatMap { Int($0) },
                    at: Self.clock()))
        }
    }
}
