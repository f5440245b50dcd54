// SPDX-License-Identifier: Apache-2.0

internal import Foundation
public import WSMAN

/// Instances for the AMT feature classes, from the model's state (wsman.md §3.19, §4, §6) and,
/// for the static ones, the captured fixtures' values.
extension DeviceModel {
    static func texts(_ pairs: [(String, String)]) -> [(String, WSMANValue)] {
        pairs.map { ($0.0, .text($0.1)) }
    }

    public var bootSettingData: SimulatedInstance {
        var p = Self.texts(self.amt.boot.sorted { $0.key < $1.key })
        p += Self.texts([
            ("ElementName", "Intel(r) AMT Boot Configuration Settings"),
            ("InstanceID", "Intel(r) AMT:BootSettingData 0"), ("OwningEntity", "Intel(r) AMT"),
            ("UEFIBootNumberOfParams", "0"),
        ])
        p.append(("BIOSLastStatus", .list(["2", "0"])))
        return SimulatedInstance("AMT_BootSettingData", p)
    }

    public var bootCapabilities: SimulatedInstance {
        let trueFlags: Set<String> = [
            "BIOSReflash", "BIOSSecureBoot", "BIOSSetup", "ForceCDorDVDBoot", "ForceDiagnosticBoot",
            "ForceHardDriveBoot", "ForcePXEBoot", "ForcedProgressEvents", "IDER", "KeyboardLock",
            "PowerButtonLock",
            "SOL", "SecureErase", "UserPasswordBypass",
        ]
        let all = [
            "AMTSecureBootControl", "BIOSPause", "BIOSReflash", "BIOSSecureBoot", "BIOSSetup",
            "ConfigurationDataReset",
            "ForceCDorDVDBoot", "ForceDiagnosticBoot", "ForceHardDriveBoot", "ForceHardDriveSafeModeBoot",
            "ForcePXEBoot", "ForceUEFIHTTPSBoot", "ForceUEFIPBABoot", "ForceWinREBoot",
            "ForcedProgressEvents", "IDER",
            "KeyboardLock", "PowerButtonLock", "ResetButtonLock", "SOL", "SecureErase", "SleepButtonLock",
            "UEFIWiFiCoExistenceAndProfileShare", "UserPasswordBypass", "VerbosityQuiet",
            "VerbosityScreenBlank",
            "VerbosityVerbose",
        ]
        var p = Self.texts(all.map { ($0, trueFlags.contains($0) ? "true" : "false") })
        p += Self.texts([
            ("ElementName", "Intel(r) AMT: Boot Capabilities"),
            ("InstanceID", "Intel(r) AMT:BootCapabilities 0"),
        ])
        return SimulatedInstance("AMT_BootCapabilities", p)
    }

    public var redirectionService: SimulatedInstance {
        SimulatedInstance(
            "AMT_RedirectionService",
            Self.texts([
                ("CreationClassName", "AMT_RedirectionService"),
                ("ElementName", "Intel(r) AMT Redirection Service"),
                ("EnabledState", String(self.amt.redirectionState)),
                ("ListenerEnabled", self.amt.listenerEnabled ? "true" : "false"),
                ("Name", "Intel(r) AMT Redirection Service"),
                ("SystemCreationClassName", "CIM_ComputerSystem"),
                ("SystemName", "Intel(r) AMT"),
            ]))
    }

    public var kvmRedirectionSAP: SimulatedInstance {
        SimulatedInstance(
            "CIM_KVMRedirectionSAP",
            Self.texts([
                ("CreationClassName", "CIM_KVMRedirectionSAP"),
                ("ElementName", "KVM Redirection Service Access Point"),
                ("EnabledState", String(self.amt.kvmEnabledState)), ("KVMProtocol", "4"),
                ("Name", "KVM Redirection Service Access Point"),
                ("RequestedState", String(self.amt.kvmRequestedState)),
                ("SystemCreationClassName", "CIM_ComputerSystem"), ("SystemName", "ManagedSystem"),
            ]))
    }

    public var optInService: SimulatedInstance {
        SimulatedInstance(
            "IPS_OptInService",
            Self.texts([
                ("CanModifyOptInPolicy", self.provisioningMode == 1 ? "1" : "0"),
                ("CreationClassName", "IPS_OptInService"),
                ("ElementName", "Intel(r) AMT OptIn Service"), ("Name", "Intel(r) AMT OptIn Service"),
                ("OptInCodeTimeout", "120"), ("OptInDisplayTimeout", "300"),
                ("OptInRequired", String(self.amt.optInRequired)),
                ("OptInState", String(self.amt.optInState)),
                ("SystemCreationClassName", "CIM_ComputerSystem"),
                ("SystemName", "Intel(r) AMT"),
            ]))
    }

    public var alarmOccurrences: [SimulatedInstance] {
        self.amt.alarms.map { a in
            var p: [(String, WSMANValue)] = Self.texts([
                ("DeleteOnCompletion", a.deleteOnCompletion ? "true" : "false"),
                ("ElementName", a.elementName),
                ("InstanceID", a.instanceID),
            ])
            p.append(("StartTime", .datetime(a.startTime)))
            if let interval = a.interval { p.append(("Interval", .interval(interval))) }
            return SimulatedInstance("IPS_AlarmClockOccurrence", p)
        }
    }

    // MARK: Hardware inventory (static, after the fixtures)

    var chassis: SimulatedInstance {
        SimulatedInstance(
            "CIM_Chassis",
            Self.texts([
                ("ChassisPackageType", "3"), ("CreationClassName", "CIM_Chassis"),
                ("ElementName", "Managed System Chassis"),
                ("Manufacturer", "Simulated Inc."), ("Model", "SIM-7090"), ("OperationalStatus", "0"),
                ("PackageType", "3"), ("SerialNumber", "SIM" + self.guid.prefix(8).uppercased()),
                ("Tag", "CIM_Chassis"),
                ("Version", ""),
            ]))
    }

    var card: SimulatedInstance {
        SimulatedInstance(
            "CIM_Card",
            Self.texts([
                ("CanBeFRUed", "true"), ("CreationClassName", "CIM_Card"),
                ("ElementName", "Managed System Base Board"),
                ("Manufacturer", "Simulated Inc."), ("Model", "0SIM01"), ("OperationalStatus", "0"),
                ("PackageType", "9"),
                ("SerialNumber", "/SIM001/"), ("Tag", "CIM_Card"), ("Version", "A00"),
            ]))
    }

    var biosElement: SimulatedInstance {
        var p = Self.texts([
            ("ElementName", "Primary BIOS"), ("Manufacturer", "Simulated Inc."), ("Name", "Primary BIOS"),
            ("OperationalStatus", "0"), ("PrimaryBIOS", "true"), ("SoftwareElementID", "1.2.0"),
            ("SoftwareElementState", "2"), ("TargetOperatingSystem", "66"), ("Version", "1.2.0"),
        ])
        p.append(("ReleaseDate", .datetime("2021-07-23T00:00:00Z")))
        return SimulatedInstance("CIM_BIOSElement", p)
    }

    var computerSystemPackage: SimulatedInstance {
        SimulatedInstance(
            "CIM_ComputerSystemPackage",
            [
                (
                    "Antecedent",
                    .reference(
                        resourceURI: WSMANNamespace.cimBase + "CIM_Chassis",
                        selectors: [
                            WSMANSelector("CreationClassName", "CIM_Chassis"),
                            WSMANSelector("Tag", "CIM_Chassis"),
                        ])
                ),
                (
                    "Dependent",
                    .reference(
                        resourceURI: WSMANNamespace.cimBase + "CIM_ComputerSystem",
                        selectors: [
                            WSMANSelector("CreationClassName", "CIM_ComputerSystem"),
                            WSMANSelector("Name", "ManagedSystem"),
                        ])
                ),
                ("PlatformGUID", .text(self.platformGUID)),
            ])
    }

    var processor: SimulatedInstance {
        SimulatedInstance(
            "CIM_Processor",
            Self.texts([
                ("CPUStatus", "1"), ("CreationClassName", "CIM_Processor"), ("CurrentClockSpeed", "2700"),
                ("DeviceID", "CPU 0"), ("ElementName", "Managed System CPU"), ("EnabledState", "2"),
                ("Family", "205"),
                ("HealthState", "0"), ("MaxClockSpeed", "4500"), ("Role", "Central"), ("Stepping", "3"),
                ("SystemCreationClassName", "CIM_ComputerSystem"), ("SystemName", "ManagedSystem"),
                ("UpgradeMethod", "2"),
            ]))
    }

    var memory: [SimulatedInstance] {
        (0..<2).map { i in
            SimulatedInstance(
                "CIM_PhysicalMemory",
                Self.texts([
                    ("BankLabel", "BANK \(i)"), ("Capacity", "8589934592"),
                    ("ConfiguredMemoryClockSpeed", "3200"),
                    ("CreationClassName", "CIM_PhysicalMemory"),
                    ("ElementName", "Managed System Memory Chip"),
                    ("FormFactor", "13"), ("Manufacturer", "Simulated"), ("MemoryType", "26"),
                    ("PartNumber", "SIM-8G-3200"), ("SerialNumber", "0000FA0\(i + 1)"), ("Speed", "0"),
                    ("Tag", "9876543\(i)"),
                ]))
        }
    }

    var mediaAccessDevice: SimulatedInstance {
        SimulatedInstance(
            "CIM_MediaAccessDevice",
            [
                ("Capabilities", .list(["4", "10"])), ("CreationClassName", .text("CIM_MediaAccessDevice")),
                ("DeviceID", .text("MEDIA DEV 0")),
                ("ElementName", .text("Managed System Media Access Device")),
                ("EnabledDefault", .text("2")), ("EnabledState", .text("0")),
                ("MaxMediaSize", .text("500107608")),
                ("OperationalStatus", .text("0")), ("RequestedState", .text("12")),
                ("SystemCreationClassName", .text("CIM_ComputerSystem")),
                ("SystemName", .text("ManagedSystem")),
            ])
    }

    var storagePackage: SimulatedInstance {
        SimulatedInstance(
            "CIM_PhysicalPackage",
            Self.texts([
                ("CanBeFRUed", "true"), ("CreationClassName", "CIM_PhysicalPackage"),
                ("ElementName", "Managed System Media"),
                ("Manufacturer", "Simulated"), ("Model", "SIM SSD 512GB"), ("PackageType", "0"),
                ("SerialNumber", "SIMSSD0001"), ("Tag", "MEDIA DEV 0"),
            ]))
    }

    var chip: SimulatedInstance {
        SimulatedInstance(
            "CIM_Chip",
            Self.texts([
                ("CanBeFRUed", "true"), ("CreationClassName", "CIM_Chip"),
                ("ElementName", "Managed System Processor Chip"),
                ("Manufacturer", "Intel(R) Corporation"), ("OperationalStatus", "0"), ("Tag", "CPU 0"),
                ("Version", "11th Gen Intel(R) Core(TM) i5-11500 @ 2.70GHz"),
            ]))
    }
}
