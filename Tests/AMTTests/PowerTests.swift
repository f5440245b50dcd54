import AMT
import JSON
import Testing
import WSMAN

@Suite struct PowerTests {
    static func powerFake(state: String = "4", optional: Bool = true) throws -> FakeTransport {
        var pull = try Fixture.response("CIM_ServiceAvailableToElement-Pull.json")
        if !optional {
            pull = Built.pull(
                "CIM_ServiceAvailableToElement",
                items: [("CIM_AssociatedPowerManagementService", [("PowerState", .text(state))])])
        }
        let enumerate = try Fixture.response("CIM_ServiceAvailableToElement-Enumerate.json")
        return FakeTransport([
            "CIM_ServiceAvailableToElement Enumerate": enumerate,
            "CIM_ServiceAvailableToElement Pull": pull,
        ])
    }

    @Test func powerStateFromCapturedEnumeration() async throws {
        let fake = try Self.powerFake()
        let service = AMTService(transport: fake)
        let state = try await service.powerState(guid: testGUID)
        #expect(state.powerState == 4)
        #expect(state.availableRequestedPowerStates == [8, 2, 5])
        #expect(
            fake.keys == ["CIM_ServiceAvailableToElement Enumerate", "CIM_ServiceAvailableToElement Pull"])
        let enumerate = try Fixture.response("CIM_ServiceAvailableToElement-Enumerate.json")
        #expect(fake.requests[1].enumerationContext == enumerate.enumerationContext)
        #expect(fake.requests[1].maxElements == 999)
        #expect(fake.requests.map(\.messageID) == ["0", "1"])
    }

    /// B22: AMT omits optional properties (OSPowerSavingState, RequestedPowerState) when off.
    @Test func powerStateWithoutOptionalProperties() async throws {
        let service = AMTService(transport: try Self.powerFake(state: "8", optional: false))
        let state = try await service.powerState(guid: testGUID)
        #expect(state.powerState == 8)
        #expect(state.osPowerSavingState == 0)
        #expect(state.requestedPowerState == nil)
    }

    static func bootFake(returnValue: Int = 0, secureErase: Bool = true) throws -> FakeTransport {
        let boot = try Fixture.response("AMT_BootSettingData-Get.v1.xml")
        var caps = try Fixture.xml(fromJSON: "AMT_BootCapabilities-Get.json")
        if !secureErase {
            caps = caps.replacingOccurrences(of: "<g:SecureErase>true", with: "<g:SecureErase>false")
        }
        let capsResponse = try WSMANResponse(xml: Array(caps.utf8))
        return FakeTransport([
            "AMT_BootSettingData Get": boot, "AMT_BootSettingData Put": boot,
            "AMT_BootCapabilities Get": capsResponse,
            "CIM_BootService SetBootConfigRole": Built.output("CIM_BootService", "SetBootConfigRole"),
            "CIM_BootConfigSetting ChangeBootOrder": Built.output("CIM_BootConfigSetting", "ChangeBootOrder"),
            "CIM_PowerManagementService RequestPowerStateChange":
                Built.output(
                    "CIM_PowerManagementService", "RequestPowerStateChange", returnValue: returnValue),
        ])
    }

    @Test func powerOffClearsBootOptionsThenRequestsState8() async throws {
        let fake = try Self.bootFake()
        let out = try await AMTService(transport: fake).powerAction(
            guid: testGUID, action: try #require(PowerAction(8)))
        #expect(
            fake.keys == [
                "AMT_BootSettingData Get", "AMT_BootSettingData Put",
                "CIM_PowerManagementService RequestPowerStateChange",
            ])
        let put = fake.requests[1]
        #expect(put.payload?.name == "AMT_BootSettingData")
        #expect(put.selectors.isEmpty)
        for flag in ["BIOSSetup", "UseIDER", "UseSOL", "SecureErase", "LockKeyboard", "BIOSPause"] {
            #expect(put.value(flag) == "false", "\(flag)")
        }
        #expect(put.value("IDERBootDevice") == "0")
        #expect(put.value("FirmwareVerbosity") == "0")
        // Other properties are written back as read.
        #expect(put.value("ElementName") == "Intel(r) AMT Boot Configuration Settings")
        #expect(put.value("OwningEntity") == "Intel(r) AMT")
        let change = fake.requests[2]
        #expect(change.value("PowerState") == "8")
        #expect(change.referenceURI("ManagedElement") == WSMANNamespace.cimBase + "CIM_ComputerSystem")
        #expect(
            change.referenceSelectors("ManagedElement") == [
                "CreationClassName": "CIM_ComputerSystem", "Name": "ManagedSystem",
            ])
        #expect(out.returnValue == 0)
        #expect(out.referenceJSON["Body"] == ["ReturnValue": 0, "ReturnValueStr": "SUCCESS"])
        #expect(
            out.referenceJSON["Header"]?["Action"]?.stringValue
                == WSMANNamespace.cimBase + "CIM_PowerManagementService/RequestPowerStateChangeResponse")
    }

    @Test func everyAllowedActionIsSentUnchanged() async throws {
        for value in PowerAction.allowed {
            let fake = try Self.bootFake()
            _ = try await AMTService(transport: fake).powerAction(
                guid: testGUID, action: try #require(PowerAction(value)))
            #expect(fake.requests.last?.value("PowerState") == String(value))
        }
        #expect(PowerAction(9) == nil)
        #expect(PowerAction(100) == nil)
    }

    @Test func failedTransitionIsReportedByName() async throws {
        let fake = try Self.bootFake(returnValue: 2)
        let out = try await AMTService(transport: fake).powerAction(
            guid: testGUID, action: try #require(PowerAction(2)))
        #expect(out.referenceJSON["Body"] == ["ReturnValue": 2, "ReturnValueStr": "NOT_READY"])
    }

    @Test func pxeBootSetsSourceRoleAndResets() async throws {
        let fake = try Self.bootFake()
        _ = try await AMTService(transport: fake).bootOptions(
            guid: testGUID, action: .resetToPXE, useSOL: true)
        #expect(
            fake.keys == [
                "AMT_BootSettingData Get", "AMT_BootSettingData Put", "CIM_BootService SetBootConfigRole",
                "CIM_BootConfigSetting ChangeBootOrder", "CIM_PowerManagementService RequestPowerStateChange",
            ])
        let put = fake.requests[1]
        #expect(put.value("UseSOL") == "true")
        #expect(put.value("BIOSSetup") == "false")
        #expect(put.value("UseIDER") == "false")
        let role = fake.requests[2]
        #expect(role.value("Role") == "1")
        #expect(
            role.referenceSelectors("BootConfigSetting") == [
                "InstanceID": "Intel(r) AMT: Boot Configuration 0"
            ])
        #expect(role.referenceURI("BootConfigSetting") == WSMANNamespace.cimBase + "CIM_BootConfigSetting")
        let order = fake.requests[3]
        #expect(order.referenceSelectors("Source") == ["InstanceID": "Intel(r) AMT: Force PXE Boot"])
        #expect(fake.requests[4].value("PowerState") == "10")
    }

    @Test func bootActionsMapToFlagsSourcesAndStates() async throws {
        let cases:
            [(BootAction, bios: String, ider: String, device: String, source: String?, state: String)] = [
                (.powerUpToBIOS, "true", "false", "0", nil, "2"),
                (.resetToBIOS, "true", "false", "0", nil, "10"),
                (.resetToIDERFloppy, "false", "true", "0", nil, "10"),
                (.powerOnToIDERFloppy, "false", "true", "0", nil, "2"),
                (.resetToIDERCDROM, "false", "true", "1", nil, "10"),
                (.powerOnToIDERCDROM, "false", "true", "1", nil, "2"),
                (.powerOnToDiagnostic, "false", "false", "0", "Intel(r) AMT: Force Diagnostic Boot", "2"),
                (.resetToDiagnostic, "false", "false", "0", "Intel(r) AMT: Force Diagnostic Boot", "10"),
                (.powerOnToPXE, "false", "false", "0", "Intel(r) AMT: Force PXE Boot", "2"),
            ]
        for c in cases {
            let fake = try Self.bootFake()
            _ = try await AMTService(transport: fake).bootOptions(guid: testGUID, action: c.0, useSOL: false)
            let put = try #require(fake.requests.first { FakeTransport.key($0) == "AMT_BootSettingData Put" })
            #expect(put.value("BIOSSetup") == c.bios, "\(c.0)")
            #expect(put.value("UseIDER") == c.ider, "\(c.0)")
            #expect(put.value("IDERBootDevice") == c.device, "\(c.0)")
            #expect(put.value("UseSOL") == "false")
            let order = try #require(
                fake.requests.first { FakeTransport.key($0) == "CIM_BootConfigSetting ChangeBootOrder" })
            #expect(order.referenceSelectors("Source")["InstanceID"] == c.source, "\(c.0)")
            if c.source == nil { #expect(order.payload?.children.isEmpty == true) }
            #expect(fake.requests.last?.value("PowerState") == c.state, "\(c.0)")
        }
    }

    /// The reference's 104 only powers on with SecureErase false; here it really erases.
    @Test func secureEraseNeedsTheCapabilityAndSetsTheFlag() async throws {
        let fake = try Self.bootFake()
        _ = try await AMTService(transport: fake).bootOptions(
            guid: testGUID, action: .resetToSecureErase, useSOL: false)
        #expect(fake.keys.first == "AMT_BootCapabilities Get")
        let put = try #require(fake.requests.first { FakeTransport.key($0) == "AMT_BootSettingData Put" })
        #expect(put.value("SecureErase") == "true")
        #expect(fake.requests.last?.value("PowerState") == "10")

        let incapable = try Self.bootFake(secureErase: false)
        await #expect(
            throws: AMTError.notSupported(field: "action", reason: "the device does not support secure erase")
        ) {
            _ = try await AMTService(transport: incapable).bootOptions(
                guid: testGUID, action: .resetToSecureErase, useSOL: false)
        }
        #expect(incapable.keys == ["AMT_BootCapabilities Get"])
    }

    @Test func capabilitiesFollowVersionAndBootCapabilities() async throws {
        let fake = FakeTransport([
            "CIM_SoftwareIdentity Enumerate": try Fixture.response("CIM_SoftwareIdentity-Enumerate.json"),
            "CIM_SoftwareIdentity Pull": try Fixture.response("CIM_SoftwareIdentity-Pull.json"),
            "AMT_BootCapabilities Get": try Fixture.response("AMT_BootCapabilities-Get.json"),
        ])
        let caps = try await AMTService(transport: fake).powerCapabilities(guid: testGUID)
        let expected: [(String, Int)] = [
            ("Power up", 2), ("Power cycle", 5), ("Power down", 8), ("Reset", 10), ("Soft-off", 12),
            ("Soft-reset", 14), ("Sleep", 4), ("Hibernate", 7), ("Power up to BIOS", 100),
            ("Reset to BIOS", 101),
            ("Reset to Secure Erase", 104), ("Reset to IDE-R Floppy", 200), ("Power on to IDE-R Floppy", 201),
            ("Reset to IDE-R CDROM", 202), ("Power on to IDE-R CDROM", 203), ("Power on to diagnostic", 300),
            ("Reset to diagnostic", 301), ("Reset to PXE", 400), ("Power on to PXE", 401),
        ]
        #expect(caps.map(\.label) == expected.map(\.0))
        #expect(caps.map(\.action) == expected.map(\.1))
    }
}
