import AMT
import Foundation
import JSON
import Synchronization
import Testing
import WSMAN

@Suite struct FeatureAndAlarmTests {
    /// A stateful fake of the three feature classes: writes change what the next Get returns.
    final class FeatureDevice: Sendable {
        struct State {
            var enabled = "32768"
            var listener = "false"
            var kvm: String? = "3"
            var required = "4294967295"
        }
        let state: Mutex<State>
        init(_ s: State = State()) { self.state = Mutex(s) }

        func handle(_ r: WSMANIncomingRequest) throws(AMTError) -> WSMANResponse {
            let key = FakeTransport.key(r)
            return try self.state.withLock { s throws(AMTError) -> WSMANResponse in
                switch key {
                case "AMT_RedirectionService Get":
                    return Built.get(
                        "AMT_RedirectionService",
                        Built.redirection.map { p in
                            p.0 == "EnabledState"
                                ? (p.0, s.enabled) : p.0 == "ListenerEnabled" ? (p.0, s.listener) : p
                        })
                case "IPS_OptInService Get":
                    return Built.get("IPS_OptInService", Built.optIn(required: s.required))
                case "CIM_KVMRedirectionSAP Get":
                    guard let kvm = s.kvm else { throw Built.fault("DestinationUnreachable") }
                    return Built.get("CIM_KVMRedirectionSAP", Built.kvm(enabled: kvm))
                case "AMT_RedirectionService RequestStateChange":
                    s.enabled = r.value("RequestedState") ?? ""
                    return Built.output("AMT_RedirectionService", "RequestStateChange")
                case "CIM_KVMRedirectionSAP RequestStateChange":
                    s.kvm = r.value("RequestedState") == "2" ? "6" : "3"
                    return Built.output("CIM_KVMRedirectionSAP", "RequestStateChange")
                case "AMT_RedirectionService Put":
                    s.listener = r.value("ListenerEnabled") ?? ""
                    return Built.put("AMT_RedirectionService")
                case "IPS_OptInService Put":
                    s.required = r.value("OptInRequired") ?? ""
                    return Built.put("IPS_OptInService")
                default: throw .unexpectedResponse("unexpected \(key)")
                }
            }
        }
    }

    @Test func featuresDecodeTheThreeClasses() async throws {
        let device = FeatureDevice(.init(enabled: "32770", listener: "true", kvm: "6", required: "1"))
        let fake = FakeTransport { r, _ throws(AMTError) in try device.handle(r) }
        let features = try await AMTService(transport: fake).features(guid: testGUID)
        #expect(
            fake.keys == ["AMT_RedirectionService Get", "IPS_OptInService Get", "CIM_KVMRedirectionSAP Get"])
        #expect(
            features.json == [
                "userConsent": "kvm", "redirection": true, "KVM": true, "SOL": true, "IDER": false,
                "optInState": 0,
                "kvmAvailable": true,
            ])
    }

    /// B23: a part without KVM faults the KVM class; the rest is still reported.
    @Test func missingKVMClassGivesKVMUnavailable() async throws {
        let device = FeatureDevice(.init(enabled: "32771", listener: "true", kvm: nil, required: "0"))
        let fake = FakeTransport { r, _ throws(AMTError) in try device.handle(r) }
        let features = try await AMTService(transport: fake).features(guid: testGUID)
        #expect(features.kvmAvailable == false && features.kvm == false)
        #expect(features.sol && features.ider && features.redirection)
        #expect(features.userConsent == UserConsent.none)
    }

    @Test func settingFeaturesWritesInOrderAndReadsBack() async throws {
        let device = FeatureDevice()
        let fake = FakeTransport { r, _ throws(AMTError) in try device.handle(r) }
        let settings = FeatureSettings(
            userConsent: .none, enableSOL: true, enableIDER: false, enableKVM: true)
        let after = try await AMTService(transport: fake).setFeatures(guid: testGUID, settings)
        #expect(
            Array(fake.keys[3..<7]) == [
                "AMT_RedirectionService RequestStateChange", "CIM_KVMRedirectionSAP RequestStateChange",
                "AMT_RedirectionService Put", "IPS_OptInService Put",
            ])
        #expect(fake.requests[3].value("RequestedState") == "32770")
        #expect(fake.requests[4].value("RequestedState") == "2")
        let put = fake.requests[5]
        #expect(put.value("EnabledState") == "32770")
        #expect(put.value("ListenerEnabled") == "true")
        #expect(put.value("ElementName") == "Intel(r) AMT Redirection Service")
        let optIn = fake.requests[6]
        #expect(optIn.value("OptInRequired") == "0")
        #expect(optIn.value("OptInCodeTimeout") == "120")  // the rest written back as read
        #expect(
            after
                == AMTFeatures(
                    userConsent: UserConsent.none, redirection: true, kvm: true, sol: true, ider: false,
                    optInState: 0,
                    kvmAvailable: true))
        // Setting the same again writes nothing.
        let before = fake.requests.count
        _ = try await AMTService(transport: fake).setFeatures(guid: testGUID, settings)
        #expect(fake.requests.count == before + 6)
        #expect(!fake.keys.suffix(6).contains { $0.hasSuffix("Put") || $0.hasSuffix("RequestStateChange") })
    }

    @Test func withoutKVMNonKVMFeaturesStillSetAndKVMIsRefused() async throws {
        let device = FeatureDevice(.init(kvm: nil))
        let fake = FakeTransport { r, _ throws(AMTError) in try device.handle(r) }
        let sol = FeatureSettings(userConsent: .all, enableSOL: true, enableIDER: true, enableKVM: false)
        let after = try await AMTService(transport: fake).setFeatures(guid: testGUID, sol)
        #expect(after.sol && after.ider && after.redirection && !after.kvmAvailable)
        #expect(!fake.keys.contains("CIM_KVMRedirectionSAP RequestStateChange"))
        let count = fake.requests.count
        let kvm = FeatureSettings(userConsent: .all, enableSOL: true, enableIDER: true, enableKVM: true)
        await #expect(
            throws: AMTError.notSupported(field: "enableKVM", reason: "the device has no KVM redirection")
        ) {
            _ = try await AMTService(transport: fake).setFeatures(guid: testGUID, kvm)
        }
        #expect(fake.requests.count == count + 3)  // only the reads
    }

    @Test func consentCallsSendTheMethodsAndReportReturnValues() async throws {
        let fake = FakeTransport([
            "IPS_OptInService StartOptIn": try Fixture.response("IPS_OptInService-StartOptIn.json"),
            "IPS_OptInService SendOptInCode": Built.output(
                "IPS_OptInService", "SendOptInCode", returnValue: 2065),
            "IPS_OptInService CancelOptIn": try Fixture.response("IPS_OptInService-CancelOptIn.json"),
        ])
        let service = AMTService(transport: fake)
        let start = try await service.requestUserConsent(guid: testGUID)
        #expect(start.referenceJSON["Body"] == ["ReturnValue": 0, "ReturnValueStr": "SUCCESS"])
        let send = try await service.sendUserConsentCode(guid: testGUID, code: 123456)
        #expect(send.returnValue == 2065)
        #expect(fake.requests[1].value("OptInCode") == "123456")
        #expect(fake.requests[1].payload?.name == "SendOptInCode_INPUT")
        _ = try await service.cancelUserConsent(guid: testGUID)
        #expect(
            fake.keys == [
                "IPS_OptInService StartOptIn", "IPS_OptInService SendOptInCode",
                "IPS_OptInService CancelOptIn",
            ])
    }

    @Test func alarmsListedWithMinutes() async throws {
        let one = FakeTransport([
            "IPS_AlarmClockOccurrence Enumerate": Built.enumerate("IPS_AlarmClockOccurrence"),
            "IPS_AlarmClockOccurrence Pull": try Fixture.response("IPS_AlarmClockOccurrence-Pull.xml"),
        ])
        let alarms = try await AMTService(transport: one).alarmOccurrences(guid: testGUID)
        #expect(
            alarms == [
                [
                    "DeleteOnCompletion": true, "ElementName": "01", "InstanceID": "01",
                    "StartTime": ["Datetime": "2022-11-30T18:51:00Z"], "InternalInMinutes": 0,
                    "IntervalInMinutes": 0,
                ]
            ])
        let empty = FakeTransport([
            "IPS_AlarmClockOccurrence Enumerate": Built.enumerate("IPS_AlarmClockOccurrence"),
            "IPS_AlarmClockOccurrence Pull": Built.pull("IPS_AlarmClockOccurrence", items: []),
        ])
        #expect(try await AMTService(transport: empty).alarmOccurrences(guid: testGUID) == [])
    }

    @Test func isoDurationsInMinutes() {
        #expect(AMTServiceTestHooks.minutes("PT5M") == 5)
        #expect(AMTServiceTestHooks.minutes("P1DT2H3M") == 1563)
        #expect(AMTServiceTestHooks.minutes("PT90S") == 1)
        #expect(AMTServiceTestHooks.minutes("P1DT0H0M") == 1440)
        #expect(AMTServiceTestHooks.minutes("5M") == nil)
        #expect(AMTServiceTestHooks.minutes("PT5") == nil)
        #expect(AMTServiceTestHooks.minutes("P5H") == nil)
    }

    @Test func addAlarmSendsTheTemplate() async throws {
        let fake = FakeTransport([
            "AMT_AlarmClockService AddAlarm": try Fixture.response("AMT_AlarmClockService-AddAlarm.json")
        ])
        let start = try #require(ISO8601DateFormatter().date(from: "2024-01-01T10:00:00Z"))
        let alarm = try AlarmTemplate(elementName: "wake<&>", startTime: start, intervalMinutes: 1440)
        let value = try await AMTService(transport: fake).addAlarm(guid: testGUID, alarm)
        #expect(value == 0)
        let input = try #require(fake.requests.first?.payload)
        #expect(input.name == "AddAlarm_INPUT")
        let template = try #require(input.child("AlarmTemplate"))
        let ns = WSMANNamespace.ipsBase + "IPS_AlarmClockOccurrence"
        #expect(template.child("InstanceID", namespace: ns)?.text == "wake<&>")
        #expect(template.child("ElementName", namespace: ns)?.text == "wake<&>")
        #expect(
            template.child("StartTime", namespace: ns)?.child("Datetime", namespace: WSMANNamespace.common)?
                .text
                == "2024-01-01T10:00:00Z")
        #expect(template.child("Interval", namespace: ns)?.child("Interval")?.text == "P1DT0H0M")
        #expect(template.child("DeleteOnCompletion", namespace: ns)?.text == "true")
    }

    @Test func addAlarmFaultsAreTyped() async throws {
        let alarm = try AlarmTemplate(elementName: "a", startTime: Date(timeIntervalSince1970: 0))
        for (fixture, expected) in [
            ("AMT_AlarmClockService-AddAlarm-fault-QuotaLimit.json", AMTError.quotaExceeded),
            (
                "AMT_AlarmClockService-AddAlarm-fault-InvalidRepresentation.json",
                .rejected("the device refused the alarm")
            ),
        ] {
            let response = try Fixture.response(fixture)
            let fault = try #require(response.fault)
            let fake = FakeTransport { _, _ throws(AMTError) in throw .wsman(fault) }
            await #expect(throws: expected) {
                _ = try await AMTService(transport: fake).addAlarm(guid: testGUID, alarm)
            }
        }
        #expect(throws: AMTError.self) {
            try AlarmTemplate(elementName: String(repeating: "x", count: 33), startTime: Date())
        }
        #expect(throws: AMTError.self) {
            try AlarmTemplate(elementName: "a", startTime: Date(), intervalMinutes: -1)
        }
    }

    @Test func deleteAlarmBySelectorAndUnknownIsNotFound() async throws {
        let ok = FakeTransport([
            "IPS_AlarmClockOccurrence Delete": try Fixture.response("IPS_AlarmClockOccurrence-Delete.json")
        ])
        try await AMTService(transport: ok).deleteAlarm(guid: testGUID, instanceID: "Instance")
        #expect(ok.requests.first?.selectors == [WSMANSelector("InstanceID", "Instance")])
        let fault = try #require(
            try Fixture.response("IPS_AlarmClockOccurrence-Delete-fault-DestinationUnreachable.json").fault)
        let missing = FakeTransport { _, _ throws(AMTError) in throw .wsman(fault) }
        await #expect(throws: AMTError.notFound("alarm")) {
            try await AMTService(transport: missing).deleteAlarm(guid: testGUID, instanceID: "nope")
        }
    }

    final class Registry: AMTDeviceRegistry, Sendable {
        let removed = Mutex<[String]>([])
        func deviceDeactivated(guid: String) async throws { self.removed.withLock { $0.append(guid) } }
    }

    @Test func deactivateForgetsTheDeviceOnlyOnSuccess() async throws {
        for rv in [0, 1] {
            let registry = Registry()
            let fake = FakeTransport([
                "AMT_SetupAndConfigurationService Unprovision":
                    Built.output("AMT_SetupAndConfigurationService", "Unprovision", returnValue: rv)
            ])
            let value = try await AMTService(transport: fake, registry: registry).deactivate(
                guid: testGUID.uppercased())
            #expect(value == rv)
            #expect(fake.requests.first?.value("ProvisioningMode") == "1")
            #expect(registry.removed.withLock { $0 } == (rv == 0 ? [testGUID] : []))
        }
    }
}
