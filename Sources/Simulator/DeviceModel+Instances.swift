// SPDX-License-Identifier: Apache-2.0

public import WSMAN

/// One CIM instance to put in a response: its concrete class and its properties.
public struct SimulatedInstance: Sendable {
    public var className: String
    public var properties: [(String, WSMANValue)]

    public init(_ className: String, _ properties: [(String, WSMANValue)]) {
        self.className = className
        self.properties = properties
    }

    /// The text of a simple property, for tests and paging.
    public func text(_ name: String) -> String? {
        for (key, value) in self.properties where key == name {
            if case .text(let text) = value { return text }
        }
        return nil
    }
}

/// The instances AMT returns, shaped after the captured fixtures (`AMT_GeneralSettings-Get.xml`,
/// `CIM_SoftwareIdentity-Pull.v1.xml`, `AMT_SetupAndConfigurationService-Pull.v1.xml`,
/// `CIM_ServiceAvailableToElement-Pull.v1.xml`), with the device's own values filled in.
extension DeviceModel {
    /// Get AMT_GeneralSettings (W4).
    public var generalSettings: SimulatedInstance {
        SimulatedInstance(
            "AMT_GeneralSettings",
            [
                ("AMTNetworkEnabled", .text("1")), ("DDNSPeriodicUpdateInterval", .text("1440")),
                ("DDNSTTL", .text("900")), ("DDNSUpdateByDHCPServerEnabled", .text("true")),
                ("DDNSUpdateEnabled", .text("false")), ("DHCPv6ConfigurationTimeout", .text("0")),
                ("DigestRealm", .text(self.digestRealm)), ("DomainName", .text("")),
                ("ElementName", .text("Intel(r) AMT: General Settings")),
                ("HostName", .text(self.hostname)), ("HostOSFQDN", .text(self.hostname)),
                ("IdleWakeTimeout", .text("1")), ("InstanceID", .text("Intel(r) AMT: General Settings")),
                ("NetworkInterfaceEnabled", .text("true")), ("PingResponseEnabled", .text("true")),
                ("PowerSource", .text("0")), ("PreferredAddressFamily", .text("0")),
                ("PresenceNotificationInterval", .text("0")), ("PrivacyLevel", .text("0")),
                ("RmcpPingResponseEnabled", .text("true")), ("SharedFQDN", .text("true")),
                ("ThunderboltDockEnabled", .text("0")), ("WsmanOnlyMode", .text("false")),
            ]
        )
    }

    /// Enumerate CIM_SoftwareIdentity (W2): the eleven identities AMT reports, in its order.
    public var softwareIdentities: [SimulatedInstance] {
        let entries: [(String, String)] = [
            ("Flash", self.amtVersion), ("Netstack", self.amtVersion), ("AMTApps", self.amtVersion),
            ("AMT", self.amtVersion), ("Sku", "16392"), ("VendorID", "8086"),
            ("Build Number", self.amtBuild), ("Recovery Version", self.amtVersion),
            ("Recovery Build Num", self.amtBuild), ("Legacy Mode", "False"),
            ("AMT FW Core Version", self.amtVersion),
        ]
        return entries.map { id, version in
            SimulatedInstance(
                "CIM_SoftwareIdentity",
                [("InstanceID", .text(id)), ("IsEntity", .text("true")), ("VersionString", .text(version))]
            )
        }
    }

    /// Get AMT_SetupAndConfigurationService (W3). The OTP and PID are zero, as in the capture.
    public var setupAndConfigurationService: SimulatedInstance {
        let name = "Intel(r) AMT Setup and Configuration Service"
        return SimulatedInstance(
            "AMT_SetupAndConfigurationService",
            [
                ("CreationClassName", .text("AMT_SetupAndConfigurationService")),
                ("ElementName", .text(name)), ("EnabledState", .text("5")), ("Name", .text(name)),
                ("PasswordModel", .text("1")), ("ProvisioningMode", .text("\(self.provisioningMode)")),
                ("ProvisioningPID", .text("AAAAAAAAAAA=")),
                ("ProvisioningServerOTP", .text("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")),
                ("ProvisioningState", .text("2")), ("RequestedState", .text("12")),
                ("SystemCreationClassName", .text("CIM_ComputerSystem")),
                ("SystemName", .text("Intel(r) AMT")),
                ("ZeroTouchConfigurationEnabled", .text("true")),
            ]
        )
    }

    /// Enumerate CIM_ServiceAvailableToElement (W1): the power association, with
    /// OSPowerSavingState (2 = full power) only while on, unless the B22 fault removes it.
    public func associatedPowerManagementService(omitOSPowerSavingState: Bool) -> SimulatedInstance {
        var properties: [(String, WSMANValue)] = [
            ("AvailableRequestedPowerStates", .list(self.availableRequestedPowerStates.map(String.init))),
            ("PowerState", .text("\(self.powerState)")),
            ("RequestedPowerState", .text("\(self.requestedPowerState)")),
            ("ServiceProvided", Self.powerServiceReference),
            (
                "UserOfService",
                .reference(
                    resourceURI: WSMANNamespace.cimBase + "CIM_ComputerSystem",
                    selectors: [
                        WSMANSelector("CreationClassName", "CIM_ComputerSystem"),
                        WSMANSelector("Name", "ManagedSystem"),
                    ]
                )
            ),
        ]
        if self.isOn && !omitOSPowerSavingState { properties.append(("OSPowerSavingState", .text("2"))) }
        return SimulatedInstance("CIM_AssociatedPowerManagementService", properties)
    }

    /// Get IPS_PowerManagementService, the other place AMT reports OSPowerSavingState.
    public func ipsPowerManagementService(omitOSPowerSavingState: Bool) -> SimulatedInstance {
        let name = "Intel(r) AMT Power Management Service"
        var properties: [(String, WSMANValue)] = [
            ("CreationClassName", .text("IPS_PowerManagementService")), ("ElementName", .text(name)),
            ("EnabledState", .text("5")), ("Name", .text(name)), ("RequestedState", .text("12")),
            ("SystemCreationClassName", .text("CIM_ComputerSystem")), ("SystemName", .text("Intel(r) AMT")),
        ]
        if self.isOn && !omitOSPowerSavingState { properties.append(("OSPowerSavingState", .text("2"))) }
        return SimulatedInstance("IPS_PowerManagementService", properties)
    }

    static let powerServiceReference = WSMANValue.reference(
        resourceURI: WSMANNamespace.cimBase + "CIM_PowerManagementService",
        selectors: [
            WSMANSelector("CreationClassName", "CIM_PowerManagementService"),
            WSMANSelector("Name", "Intel(r) AMT Power Management Service"),
            WSMANSelector("SystemCreationClassName", "CIM_ComputerSystem"),
            WSMANSelector("SystemName", "Intel(r) AMT"),
        ]
    )
}
