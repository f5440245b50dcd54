// SPDX-License-Identifier: Apache-2.0

import Simulator
import Testing

@Suite struct DeviceModelTests {
    func model(power: Int = 2) -> DeviceModel {
        DeviceModel(guid: "12345678-9ABC-DEF0-1234-56789ABCDEF0", hostname: "h1", powerState: power)
    }

    /// The GUID is canonical lowercase and PlatformGUID byte-swaps the first three groups.
    @Test func identityIsCanonical() {
        let m = self.model()
        #expect(m.guid == "12345678-9abc-def0-1234-56789abcdef0")
        #expect(m.platformGUID == "78563412BC9AF0DE123456789ABCDEF0")
        #expect(m.serverHeader == "Intel(R) Active Management Technology 16.1.25.2049")
    }

    /// The realm is `Digest:` + 32 uppercase hex, stable per GUID and different between devices.
    @Test func realmIsPerDeviceAndStable() {
        let a = self.model().digestRealm
        let b = DeviceModel(guid: "12345678-9abc-def0-1234-56789abcdef1", hostname: "h").digestRealm
        #expect(a.hasPrefix("Digest:"))
        #expect(a.count == 39)
        #expect(a.dropFirst(7).allSatisfy { "0123456789ABCDEF".contains($0) })
        #expect(a == self.model().digestRealm)
        #expect(a != b)
        #expect(self.model().generalSettings.text("DigestRealm") == a)
    }

    /// Off (8) from on, then on (2) again; each succeeds and is reflected in the state.
    @Test func powerOffAndOn() {
        var m = self.model()
        #expect(m.availableRequestedPowerStates == [4, 5, 7, 8, 10, 11])
        let r8_m = m.requestPowerStateChange(8)
        #expect(r8_m == 0)
        #expect(m.powerState == 8)
        #expect(m.requestedPowerState == 8)
        #expect(m.availableRequestedPowerStates == [2])
        let r2_m = m.requestPowerStateChange(2)
        #expect(r2_m == 0)
        #expect(m.powerState == 2)
    }

    /// Power cycle (5) and reset (10) are transient: the device ends up on.
    @Test func cycleAndResetEndOn() {
        for action in [5, 10] {
            var m = self.model()
            let raction_m = m.requestPowerStateChange(action)
            #expect(raction_m == 0)
            #expect(m.powerState == 2)
            #expect(m.requestedPowerState == action)
        }
        var sleeping = self.model(power: 4)
        let r5_sleeping = sleeping.requestPowerStateChange(5)
        #expect(r5_sleeping == 0)
        #expect(sleeping.powerState == 2)
    }

    /// An action not allowed from the current state returns 2 and changes nothing.
    @Test func disallowedActionIsRefused() {
        var m = self.model(power: 8)
        let r5_m = m.requestPowerStateChange(5)
        #expect(r5_m == 2)
        let r10_m = m.requestPowerStateChange(10)
        #expect(r10_m == 2)
        let r99_m = m.requestPowerStateChange(99)
        #expect(r99_m == 2)
        #expect(m.powerState == 8)
        #expect(m.requestedPowerState == 8)
    }

    /// Only DMTF steady states can be set directly.
    @Test func setPowerStateAcceptsSteadyStatesOnly() {
        var m = self.model()
        let set7 = m.setPowerState(7)
        #expect(set7)
        #expect(m.powerState == 7)
        let set5 = m.setPowerState(5)
        #expect(!set5)
        #expect(m.powerState == 7)
    }

    /// OSPowerSavingState is reported while on, omitted while off or under the B22 fault.
    @Test func osPowerSavingStateFollowsPowerAndFault() {
        let on = self.model().associatedPowerManagementService(omitOSPowerSavingState: false)
        #expect(on.text("OSPowerSavingState") == "2")
        #expect(on.text("PowerState") == "2")
        let faulted = self.model().associatedPowerManagementService(omitOSPowerSavingState: true)
        #expect(faulted.text("OSPowerSavingState") == nil)
        let off = self.model(power: 8).associatedPowerManagementService(omitOSPowerSavingState: false)
        #expect(off.text("OSPowerSavingState") == nil)
        #expect(off.text("PowerState") == "8")
    }

    /// Versions from the model appear in CIM_SoftwareIdentity, in AMT's order.
    @Test func softwareIdentitiesCarryTheVersion() {
        var m = self.model()
        m.amtVersion = "15.0.23"
        m.amtBuild = "1706"
        let ids = m.softwareIdentities
        #expect(
            ids.map { $0.text("InstanceID") ?? "" } == [
                "Flash", "Netstack", "AMTApps", "AMT", "Sku", "VendorID", "Build Number", "Recovery Version",
                "Recovery Build Num", "Legacy Mode", "AMT FW Core Version",
            ]
        )
        #expect(ids[3].text("VersionString") == "15.0.23")
        #expect(ids[6].text("VersionString") == "1706")
    }
}
