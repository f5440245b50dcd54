public import Foundation
public import JSON
public import WSMAN

/// Removes a device from the registry after AMT has been unprovisioned (deactivate).
public protocol AMTDeviceRegistry: Sendable {
    func deviceDeactivated(guid: String) async throws
}

/// The service layer for AMT operations: the REST routes and the JSON-RPC methods call these,
/// so each operation is written once. Each method is a sequence of WS-MAN calls (wsman.md §3)
/// with typed inputs and a typed or reference-shaped JSON output.
public final class AMTService: Sendable {
    public let transport: any WSMANTransport
    let connectivity: (any DeviceConnectivity)?
    let registry: (any AMTDeviceRegistry)?

    /// - Parameters:
    ///   - connectivity: answers the "has a tunnel" check; nil means every device is reachable
    ///     as far as the service knows (the transport still reports `.notConnected`).
    ///   - registry: told when a device was unprovisioned, to forget it.
    public init(
        transport: any WSMANTransport, connectivity: (any DeviceConnectivity)? = nil,
        registry: (any AMTDeviceRegistry)? = nil
    ) {
        self.transport = transport
        self.connectivity = connectivity
        self.registry = registry
    }

    public convenience init(client: WSMANClient) { self.init(transport: client) }

    func calls(_ guid: String) -> DeviceCalls {
        DeviceCalls(guid: guid.lowercased(), transport: self.transport)
    }

    /// Whether the device has a tunnel now.
    public func isConnected(_ guid: String) -> Bool {
        self.connectivity?.isConnected(guid.lowercased()) ?? true
    }

    /// Forgets the device's cached WS-MAN session (devices/refresh).
    public func refresh(guid: String) { self.transport.resetSession(guid: guid.lowercased()) }

    // MARK: Power

    /// Current power state from CIM_AssociatedPowerManagementService (W1). Optional
    /// properties may be absent (B22): only PowerState is required.
    public func powerState(guid: String) async throws(AMTError) -> AssociatedPowerManagementService {
        var calls = self.calls(guid)
        let items = try await calls.enumerate("CIM_ServiceAvailableToElement")
        guard let item = items.first(where: { $0.name == "CIM_AssociatedPowerManagementService" }) else {
            throw .unexpectedResponse("no CIM_AssociatedPowerManagementService in the enumeration")
        }
        do {
            return try AssociatedPowerManagementService(WSMANInstance(item))
        } catch {
            throw .unexpectedResponse("power state: \(error)")
        }
    }

    /// `power/action`: clears the boot overrides (W6, W7), then RequestPowerStateChange (W10).
    public func powerAction(guid: String, action: PowerAction) async throws(AMTError) -> MethodOutput {
        var calls = self.calls(guid)
        try await self.putBootSettings(&calls, changes: Self.neutralBoot)
        return try await self.requestPowerStateChange(&calls, action.value)
    }

    /// `power/bootOptions` (wsman.md §3.3, done as v1 intended): boot data, SetBootConfigRole,
    /// ChangeBootOrder (PXE or diagnostic source, else cleared), then the power change.
    /// 104 needs AMT_BootCapabilities.SecureErase and really sets SecureErase.
    public func bootOptions(guid: String, action: BootAction, useSOL: Bool) async throws(AMTError)
        -> MethodOutput
    {
        var calls = self.calls(guid)
        var changes = Self.neutralBoot
        func set(_ name: String, _ value: String) {
            if let i = changes.firstIndex(where: { $0.0 == name }) { changes[i].1 = value }
        }
        if action == .resetToSecureErase {
            let (_, instance) = try await calls.get("AMT_BootCapabilities")
            let capabilities = try Self.decode { () throws(WSMANDecodingError) in
                try BootCapabilities(WSMANInstance(instance))
            }
            guard capabilities.secureErase else {
                throw .notSupported(field: "action", reason: "the device does not support secure erase")
            }
            set("SecureErase", "true")
        }
        set("BIOSSetup", action.biosSetup ? "true" : "false")
        set("UseIDER", action.useIDER ? "true" : "false")
        set("IDERBootDevice", String(action.iderBootDevice))
        set("UseSOL", useSOL ? "true" : "false")
        try await self.putBootSettings(&calls, changes: changes)
        _ = try await calls.invoke(
            "CIM_BootService", "SetBootConfigRole",
            [
                (
                    "BootConfigSetting",
                    .reference(
                        resourceURI: DeviceCalls.uri("CIM_BootConfigSetting"),
                        selectors: [WSMANSelector("InstanceID", "Intel(r) AMT: Boot Configuration 0")])
                ),
                ("Role", .text("1")),
            ])
        var order: [(String, WSMANValue)] = []
        if let source = action.bootSource {
            order.append(
                (
                    "Source",
                    .reference(
                        resourceURI: DeviceCalls.uri("CIM_BootSourceSetting"),
                        selectors: [WSMANSelector("InstanceID", source)])
                ))
        }
        _ = try await calls.invoke("CIM_BootConfigSetting", "ChangeBootOrder", order)
        return try await self.requestPowerStateChange(&calls, action.powerState)
    }

    /// Boot-override flags and their neutral values (wsman.md §3.2).
    static let neutralBoot: [(String, String)] =
        [
            "BIOSPause", "BIOSSetup", "ConfigurationDataReset", "ForcedProgressEvents", "LockKeyboard",
            "LockPowerButton", "LockResetButton", "LockSleepButton", "ReflashBIOS", "UseIDER", "UseSOL",
            "UseSafeMode", "UserPasswordBypass", "SecureErase",
        ].map { ($0, "false") } + [
            ("BootMediaIndex", "0"), ("FirmwareVerbosity", "0"), ("IDERBootDevice", "0"),
        ]

    private func putBootSettings(_ calls: inout DeviceCalls, changes: [(String, String)])
        async throws(AMTError)
    {
        let (_, current) = try await calls.get("AMT_BootSettingData")
        try await calls.put("AMT_BootSettingData", properties: PutProperties.from(current, changes: changes))
    }

    private func requestPowerStateChange(_ calls: inout DeviceCalls, _ state: Int) async throws(AMTError)
        -> MethodOutput
    {
        try await calls.invoke(
            "CIM_PowerManagementService", "RequestPowerStateChange",
            [
                ("PowerState", .text(String(state))),
                (
                    "ManagedElement",
                    .reference(
                        resourceURI: DeviceCalls.uri("CIM_ComputerSystem"),
                        selectors: [
                            WSMANSelector("CreationClassName", "CIM_ComputerSystem"),
                            WSMANSelector("Name", "ManagedSystem"),
                        ])
                ),
            ])
    }

    /// `power/capabilities`: label → action, in the reference's order (wsman.md §3.4).
    public func powerCapabilities(guid: String) async throws(AMTError) -> [(label: String, action: Int)] {
        var calls = self.calls(guid)
        let identities = try await self.softwareIdentities(&calls)
        let (_, instance) = try await calls.get("AMT_BootCapabilities")
        let caps = try Self.decode { () throws(WSMANDecodingError) in
            try BootCapabilities(WSMANInstance(instance))
        }
        let major =
            SoftwareIdentity.amtVersion(identities.map(\.1))
            .flatMap { $0.split(separator: ".").first.flatMap { Int($0) } } ?? 0
        var out: [(String, Int)] = [("Power up", 2), ("Power cycle", 5), ("Power down", 8), ("Reset", 10)]
        if major > 9 { out += [("Soft-off", 12), ("Soft-reset", 14), ("Sleep", 4), ("Hibernate", 7)] }
        if caps.biosSetup { out += [("Power up to BIOS", 100), ("Reset to BIOS", 101)] }
        if caps.secureErase { out.append(("Reset to Secure Erase", 104)) }
        out += [
            ("Reset to IDE-R Floppy", 200), ("Power on to IDE-R Floppy", 201), ("Reset to IDE-R CDROM", 202),
            ("Power on to IDE-R CDROM", 203),
        ]
        if caps.forceDiagnosticBoot {
            out += [("Power on to diagnostic", 300), ("Reset to diagnostic", 301)]
        }
        out += [("Reset to PXE", 400), ("Power on to PXE", 401)]
        return out.map { (label: $0.0, action: $0.1) }
    }

    /// Every CIM_SoftwareIdentity item (all pages) with its decoded form.
    func softwareIdentities(_ calls: inout DeviceCalls) async throws(AMTError) -> [(
        SOAPElement, SoftwareIdentity
    )] {
        let items = try await calls.enumerate("CIM_SoftwareIdentity")
        var out: [(SOAPElement, SoftwareIdentity)] = []
        for item in items where item.name == "CIM_SoftwareIdentity" {
            let identity = try Self.decode { () throws(WSMANDecodingError) in
                try SoftwareIdentity(WSMANInstance(item))
            }
            out.append((item, identity))
        }
        return out
    }

    static func decode<T>(_ body: () throws(WSMANDecodingError) -> T) throws(AMTError) -> T {
        do {
            return try body()
        } catch {
            throw .unexpectedResponse("cannot decode the device's answer: \(error)")
        }
    }
}
