import Foundation
import Simulator
import Testing

@Suite struct SimulatedAMTStateTests {
    static func model() -> DeviceModel {
        DeviceModel(guid: "a3000000-2222-4333-8444-555555555599", hostname: "h")
    }

    @Test func auditRecordLayout() {
        var s = SimulatedAMTState()
        s.audit(app: 17, event: 1, at: 0x5EFA_34B9, extended: [2])
        let expected: [UInt8] =
            [0, 17, 0, 1, 0, 5] + Array("admin".utf8) + [0x5E, 0xFA, 0x34, 0xB9, 0, 7] + Array("1.2.3.4".utf8)
            + [1, 2]
        #expect(s.auditLog == [expected])
    }

    @Test func powerActionsLogAndBootConsumesOverrides() {
        var m = Self.model()
        m.putBootSettings(["BIOSSetup": "true", "OptionsCleared": "x", "Unknown": "y"], at: 10)
        #expect(m.amt.boot["BIOSSetup"] == "true" && m.amt.boot["Unknown"] == nil)
        #expect(m.changeBootOrder(source: "Intel(r) AMT: Force PXE Boot") == 0)
        #expect(m.changeBootOrder(source: "nonsense") == 4)
        #expect(m.performPowerAction(8, at: 20) == 0)
        #expect(m.amt.eventLog.isEmpty && m.amt.boot["BIOSSetup"] == "true")
        #expect(m.performPowerAction(7, at: 25) == 2)  // not from off: nothing logged
        #expect(m.performPowerAction(2, at: 30) == 0)
        #expect(m.amt.eventLog.count == 5)
        #expect(m.amt.eventLog.first?.count == 21)
        #expect(m.amt.boot["BIOSSetup"] == "false" && m.amt.pendingBootSource == nil)
        // Audit: 1704 boot options, 1701 power down, 1700 power up; 12 digest-user bytes each.
        #expect(m.amt.auditLog.map { [$0[1], $0[3]] } == [[17, 4], [17, 1], [17, 0]])
    }

    @Test func consentCodeFlow() {
        var s = SimulatedAMTState()
        #expect(s.sendOptInCode("123456", at: 0) == 2)
        #expect(s.startOptIn(code: "012345") == 0)
        #expect(s.optInState == 2 && s.notices == ["user consent code displayed: 012345"])
        #expect(s.startOptIn(code: "111111") == 2)
        #expect(s.sendOptInCode("1", at: 0) == 2065)
        #expect(s.sendOptInCode("12345", at: 0) == 0)  // a uint32: leading zero not needed
        #expect(s.optInState == 3)
        _ = s.cancelOptIn()
        #expect(s.startOptIn(code: "222222") == 0)
        #expect(s.sendOptInCode("1", at: 0) == 2065 && s.sendOptInCode("2", at: 0) == 2065)
        #expect(s.sendOptInCode("3", at: 0) == 2066 && s.optInState == 0)
        #expect(s.setOptInRequired(0, at: 0) && !s.setOptInRequired(7, at: 0))
        #expect(s.startOptIn(code: "333333") == 16)
    }

    @Test func alarmsQuotaDuplicatesAndDelete() {
        var m = Self.model()
        func alarm(_ id: String) -> SimulatedAlarm {
            SimulatedAlarm(
                instanceID: id, elementName: id, startTime: "2030-01-01T00:00:00Z", interval: nil,
                deleteOnCompletion: true)
        }
        for i in 0..<5 { #expect(m.addAlarm(alarm("a\(i)")) == nil) }
        #expect(m.addAlarm(alarm("a0")) == .invalidRepresentation)
        #expect(m.addAlarm(alarm("a9")) == .quotaLimit)
        #expect(m.deleteAlarm("a0") == nil)
        #expect(m.deleteAlarm("a0") == .destinationUnreachable)
        #expect(m.alarmOccurrences.count == 4)
    }

    @Test func logReadsPageAndEnd() {
        var m = Self.model()
        for i in 0..<25 { m.amt.audit(app: 16, event: 0, at: UInt32(i)) }
        let page = m.readAuditRecords(start: 21)
        #expect(page.total == 25 && page.records.count == 5 && page.returnValue == 0)
        #expect(m.readAuditRecords(start: 26).returnValue == 35)
        for t in 0..<100 { m.amt.logBoot(at: UInt32(t * 100)) }
        #expect(m.amt.eventLog.count == SimulatedAMTState.maxEventRecords)
        let first = m.eventRecords(from: 1, max: 200)
        #expect(first?.records.count == 200 && first?.next == 201 && first?.done == false)
        let rest = m.eventRecords(from: 201, max: 390)
        #expect(rest?.records.count == 190 && rest?.done == true)
        #expect(m.eventRecords(from: 0, max: 1) == nil)
    }
}
