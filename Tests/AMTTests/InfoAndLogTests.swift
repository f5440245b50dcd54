import AMT
import Foundation
import JSON
import Testing
import WSMAN
import Web

@Suite struct InfoAndLogTests {
    @Test func versionListsFirmwareAndHidesTheOTP() async throws {
        let fake = FakeTransport([
            "CIM_SoftwareIdentity Enumerate": try Fixture.response("CIM_SoftwareIdentity-Enumerate.json"),
            "CIM_SoftwareIdentity Pull": try Fixture.response("CIM_SoftwareIdentity-Pull.json"),
            "AMT_SetupAndConfigurationService Get": try Fixture.response(
                "AMT_SetupAndConfigurationService-Get.json"),
        ])
        let json = try await AMTService(transport: fake).version(guid: testGUID)
        let list = try #require(json["CIM_SoftwareIdentity"]?["responses"]?.arrayValue)
        #expect(list.contains(["InstanceID": "AMT", "IsEntity": true, "VersionString": "15.0.23"]))
        #expect(list.contains(["InstanceID": "Build Number", "IsEntity": true, "VersionString": 1706]))
        #expect(json["CIM_SoftwareIdentity"]?["status"] == 200)
        let setup = try #require(json["AMT_SetupAndConfigurationService"])
        #expect(setup["response"]?["ProvisioningMode"] == 1)
        #expect(setup["response"]?["ProvisioningState"] == 2)
        #expect(setup["response"]?["ZeroTouchConfigurationEnabled"] == true)
        #expect(setup["responses"]?["Body"]?["ProvisioningMode"] == 1)
        #expect(
            setup["responses"]?["Header"]?["ResourceURI"]?.stringValue
                == WSMANNamespace.amtBase + "AMT_SetupAndConfigurationService")
        #expect(!json.serialized().contains("ProvisioningServerOTP"))
        #expect(!json.serialized().contains("AAAAAAAAAAAAAAAA"))
    }

    @Test func generalSettingsFromTheWireCapture() async throws {
        let fake = FakeTransport([
            "AMT_GeneralSettings Get": try Fixture.response("AMT_GeneralSettings-Get.http")
        ])
        let json = try await AMTService(transport: fake).generalSettings(guid: testGUID)
        #expect(json["Body"]?["DigestRealm"] == "Digest:0123456789ABCDEF0123456789ABCDEF")
        #expect(json["Body"]?["HostOSFQDN"] == "")  // empty in this capture
        #expect(json["Body"]?["NetworkInterfaceEnabled"] == true)
        #expect(json["Body"]?["DDNSTTL"] == 900)
        #expect(json["Header"]?["Action"] == .string(WSMANAction.getResponse))
        #expect(fake.requests.first?.selectors.isEmpty == true)
    }

    /// B21: 7 items over 3 Pulls, one with a property named EndOfSequence; all come back in
    /// order and only the enumeration namespace's EndOfSequence ends the loop.
    @Test func enumerationReadsEveryPage() async throws {
        let names = (1...7).map { "CPU\($0)" }
        let fake = FakeTransport { request, _ throws(AMTError) in
            let key = FakeTransport.key(request)
            if key.hasSuffix("Enumerate") { return Built.enumerate("CIM_Processor", context: "C1") }
            let page = ["C1": 0, "C2": 1, "C3": 2][request.enumerationContext ?? ""] ?? -1
            guard page >= 0 else { throw Built.fault("InvalidEnumerationContext") }
            let slice = names[(page * 3)..<min(7, page * 3 + 3)]
            let items = slice.map { name -> (String, [(String, WSMANValue)]) in
                ("CIM_Processor", [("DeviceID", .text(name)), ("EndOfSequence", .text("true"))])
            }
            return Built.pull("CIM_Processor", items: items, next: page < 2 ? "C\(page + 2)" : nil)
        }
        let json = try await Self.hardwareOnly(fake, failing: nil)
        let ids = json["CIM_Processor"]?["responses"]?.arrayValue?.compactMap { $0["DeviceID"]?.stringValue }
        #expect(ids == names)
        #expect(fake.keys.filter { $0 == "CIM_Processor Pull" }.count == 3)
    }

    @Test func aFaultMidEnumerationIsAnErrorNotAShortList() async throws {
        let fake = FakeTransport { request, index throws(AMTError) in
            if FakeTransport.key(request).hasSuffix("Enumerate") {
                return Built.enumerate("CIM_Processor", context: "C1")
            }
            if request.enumerationContext == "C1" {
                return Built.pull(
                    "CIM_Processor", items: [("CIM_Processor", [("DeviceID", .text("a"))])], next: "C2")
            }
            throw Built.fault("InvalidEnumerationContext")
        }
        await #expect(throws: Built.fault("InvalidEnumerationContext")) {
            _ = try await Self.hardwareOnly(fake, failing: nil)
        }
    }

    /// Runs hardwareInfo with the Gets answered from fixtures and the enumerations by `fake`.
    static func hardwareOnly(_ inner: FakeTransport, failing: String?) async throws -> JSONValue {
        let gets: [String: WSMANResponse] = [
            "CIM_ComputerSystemPackage Get": try Fixture.response("CIM_ComputerSystemPackage-Get.http"),
            "CIM_Chassis Get": try Fixture.response("CIM_Chassis-Get.json"),
            "CIM_Card Get": try Fixture.response("CIM_Card-Get.http"),
            "CIM_BIOSElement Get": try Fixture.response("CIM_BIOSElement-Get.json"),
        ]
        let empty = Built.pull("CIM_Chip", items: [])
        let fake = FakeTransport { request, _ throws(AMTError) in
            let key = FakeTransport.key(request)
            if let r = gets[key] { return r }
            if key.hasPrefix("CIM_Processor") { return try inner.sendSync(request) }
            return key.hasSuffix("Enumerate") ? Built.enumerate("CIM_Chip") : empty
        }
        return try await AMTService(transport: fake).hardwareInfo(guid: testGUID)
    }

    @Test func hardwareInfoHasTheTenClassesInOrder() async throws {
        let fake = FakeTransport { request, _ throws(AMTError) in
            if FakeTransport.key(request).hasSuffix("Enumerate") { return Built.enumerate("CIM_Processor") }
            return Built.pull("CIM_Processor", items: [("CIM_Processor", [("Family", .text("205"))])])
        }
        let json = try await Self.hardwareOnly(fake, failing: nil)
        #expect(
            json.members?.map(\.key) == [
                "CIM_ComputerSystemPackage", "CIM_SystemPackaging", "CIM_Chassis", "CIM_Chip", "CIM_Card",
                "CIM_BIOSElement", "CIM_Processor", "CIM_PhysicalMemory", "CIM_MediaAccessDevice",
                "CIM_PhysicalPackage",
            ])
        #expect(
            json["CIM_Card"]?["response"]?["SerialNumber"] == "CNFAKE00000001"
                || json["CIM_Card"]?["status"] == 200)
        #expect(
            json["CIM_ComputerSystemPackage"]?["response"]?["PlatformGUID"]
                == "78563412BC9AF0DE123456789ABCDEF0")
        #expect(json["CIM_Processor"]?["responses"]?[0]?["Family"] == 205)
        #expect(json["CIM_Processor"]?["status"] == 200)
        #expect(json["CIM_Chip"]?["status"] == 400)  // the fake returns no chip
    }

    static func auditFake(total: Int, records: [String]) -> FakeTransport {
        FakeTransport { request, _ throws(AMTError) in
            let start = Int(request.value("StartIndex") ?? "") ?? 0
            let slice = Array(records.dropFirst(max(0, start - 1)).prefix(10))
            return Built.output(
                "AMT_AuditLog", "ReadRecords",
                [
                    ("TotalRecordCount", .text(String(total))),
                    ("RecordsReturned", .text(String(slice.count))),
                    ("EventRecords", .list(slice)),
                ])
        }
    }

    static func fixtureRecords() throws -> [String] {
        let root = try JSONValue.parse(try Fixture.bytes("AMT_AuditLog-ReadRecords.json"))
        let list = root["Envelope"]?["Body"]?["ReadRecords_OUTPUT"]?["EventRecords"]?.arrayValue ?? []
        return list.compactMap(\.stringValue)
    }

    /// The newest page holds the newest record (the reference's off-by-one skips it).
    @Test func auditNewestPageEndsAtTheNewestRecord() async throws {
        let captured = try Self.fixtureRecords()
        #expect(captured.count == 10)
        // 25 records: the captured ten are the newest (16...25).
        let filler = Array(repeating: "ABAAAAJe+jTQAgAA", count: 15)
        let fake = Self.auditFake(total: 25, records: filler + captured)
        let page = try await AMTService(transport: fake).auditLog(guid: testGUID, skipNewest: 0)
        #expect(fake.requests.map { $0.value("StartIndex") } == ["1", "16"])
        #expect(page.totalCount == 25)
        #expect(page.records.count == 10)
        let newest = try #require(page.records.first)
        let last = try AuditLogDecoder.decode(base64Record: try #require(captured.last))
        #expect(newest == last)
        let oldest = try #require(page.records.last)
        #expect(oldest.event == "Unprovisioning Started")
        #expect(oldest.auditApp == "Security Admin")
        #expect(oldest.initiator == "Local")
        #expect(oldest.exStr == "Local MEI")
        #expect(JSONValue.encoding(oldest)["Time"] == "2020-06-29T18:36:41.000Z")
    }

    @Test func auditSmallLogAndSkippingPastTheEnd() async throws {
        let records = try Array(Self.fixtureRecords().prefix(3))
        let fake = Self.auditFake(total: 3, records: records)
        let page = try await AMTService(transport: fake).auditLog(guid: testGUID, skipNewest: 1)
        #expect(fake.requests.count == 1)
        #expect(page.records.count == 2)
        #expect(page.records.first == (try AuditLogDecoder.decode(base64Record: records[1])))
        let beyond = try await AMTService(transport: Self.auditFake(total: 3, records: records))
            .auditLog(guid: testGUID, skipNewest: 3)
        #expect(beyond.records.isEmpty && beyond.totalCount == 3)
        await #expect(throws: AMTError.invalidArgument(field: "startIndex", reason: "must be 0 or more")) {
            _ = try await AMTService(transport: fake).auditLog(guid: testGUID, skipNewest: -1)
        }
    }

    /// One record: xml2js would give a string; here it is still a one-element list.
    @Test func auditSingleRecord() async throws {
        let one = "ABAAEwJe+jS5AgABAg=="
        let page = try await AMTService(transport: Self.auditFake(total: 1, records: [one]))
            .auditLog(guid: testGUID, skipNewest: 0)
        #expect(page.records.map(\.event) == ["Unprovisioning Started"])
    }

    @Test func eventLogFromCapturesDecoded() async throws {
        let fake = FakeTransport([
            "AMT_MessageLog PositionToFirstRecord": try Fixture.response(
                "AMT_MessageLog-PositionToFirstRecord.json"),
            "AMT_MessageLog GetRecords": try Fixture.response("AMT_MessageLog-GetRecords.json"),
        ])
        let records = try await AMTService(transport: fake).eventLog(guid: testGUID)
        #expect(fake.keys == ["AMT_MessageLog PositionToFirstRecord", "AMT_MessageLog GetRecords"])
        #expect(fake.requests[1].value("IterationIdentifier") == "1")
        #expect(fake.requests[1].value("MaxReadRecords") == "390")
        let first = try #require(records.first)
        #expect(first.desc == "Calling operating system wake-up vector")
        #expect(first.entityStr == "Unspecified")
        #expect(JSONValue.encoding(first)["TimeStamp"] == "2021-12-08T21:45:06.000Z")
        #expect(
            records.contains { $0.entityStr == "BIOS" && $0.desc == "Starting operating system boot process" }
        )
    }

    @Test func eventLogReadsUntilNoMoreRecords() async throws {
        let a = "YiexYf8PbwJoAf8AAEASAAAAAAAA"
        let b = "+sGwYf8PbwJoCP8iAEATAAAAAAAA"
        let fake = FakeTransport { request, _ throws(AMTError) in
            if request.methodName == "PositionToFirstRecord" {
                return Built.output(
                    "AMT_MessageLog", "PositionToFirstRecord", [("IterationIdentifier", .text("1"))])
            }
            let first = request.value("IterationIdentifier") == "1"
            return Built.output(
                "AMT_MessageLog", "GetRecords",
                [
                    ("IterationIdentifier", .text(first ? "2" : "3")),
                    ("NoMoreRecords", .text(first ? "false" : "true")),
                    ("RecordArray", .list([first ? a : b])),
                ])
        }
        let records = try await AMTService(transport: fake).eventLog(guid: testGUID)
        #expect(records.count == 2)
        #expect(fake.requests.compactMap { $0.value("IterationIdentifier") } == ["1", "2"])
        #expect(records.map(\.entity) == [0, 34])
    }
}

extension FakeTransport {
    /// Calls this fake's handler for a request another fake received.
    func sendSync(_ request: WSMANIncomingRequest) throws(AMTError) -> WSMANResponse {
        try self.answer(request)
    }
}
