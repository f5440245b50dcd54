// SPDX-License-Identifier: Apache-2.0

import HTTP
import Testing
@testable import WSMAN

@Suite struct DecoderTests {
    private func load(_ name: String) throws -> WSMANResponse { try WSMANResponse(xml: try Fixtures.bytes(name)) }

    /// Typed decoders read the values the captures hold.
    @Test func decodersReadCaptures() throws {
        let power = try AssociatedPowerManagementService(
            load("CIM_ServiceAvailableToElement-Pull.v1.xml").instance("CIM_AssociatedPowerManagementService"))
        #expect(power.powerState == 2 && power.requestedPowerState == 2 && power.osPowerSavingState == 0)
        let ids = try SoftwareIdentity.list(load("CIM_SoftwareIdentity-Pull.v1.xml"))
        #expect(!ids.isEmpty && ids.allSatisfy { !$0.instanceID.isEmpty })
        #expect(SoftwareIdentity.amtVersion(ids) == "8.1.71")
        let gs = try GeneralSettings(load("AMT_GeneralSettings-Get.xml").instance("AMT_GeneralSettings"))
        #expect(gs.digestRealm == "Digest:0123456789ABCDEF0123456789ABCDEF" && gs.powerSource == 0)
        let card = try PhysicalPackage(load("CIM_Card-Get.xml").instance("CIM_Card"))
        #expect(card.model == "0MVDNX" && card.serialNumber == "/FAKE001/CNFAKE00000001/" && card.packageType == 9)
        let csp = try ComputerSystemPackage(load("CIM_ComputerSystemPackage-Get.xml").instance("CIM_ComputerSystemPackage"))
        #expect(csp.platformGUID.count == 32)
        let mem = try load("CIM_PhysicalMemory-Pull.v1.xml").instances("CIM_PhysicalMemory").map(PhysicalMemory.init)
        #expect(mem.count == 2 && mem[0].capacity != nil)
        let caps = try BootCapabilities(load("AMT_BootCapabilities-Get.v1.xml").instance("AMT_BootCapabilities"))
        #expect(!caps.forceUEFIHTTPSBoot)
        let bios = try BIOSElement(load("CIM_BIOSElement-Pull.v1.xml").instance("CIM_BIOSElement"))
        #expect(!bios.version.isEmpty)
        let cpu = try Processor(load("CIM_Processor-Pull.v1.xml").instance("CIM_Processor"))
        #expect(cpu.maxClockSpeed != nil)
        let media = try MediaAccessDevice(load("CIM_MediaAccessDevice-Pull.v1.xml").instance("CIM_MediaAccessDevice"))
        #expect(!media.capabilities.isEmpty)
        let scs = try SetupAndConfigurationService(
            load("AMT_SetupAndConfigurationService-Pull.v1.xml").instance("AMT_SetupAndConfigurationService"))
        #expect(scs.provisioningState == 2)
        // Values from the reference JSON of the AMT 15 capture.
        let json = try AnyJSON.load("CIM_SoftwareIdentity-Pull.json")["Envelope"]!
        let pull = try WSMANResponse(xml: Array(EnvelopeFromJSON.xml(json).utf8))
        #expect(SoftwareIdentity.amtVersion(try SoftwareIdentity.list(pull)) == "15.0.23")
        let api = try AnyJSON.load("MPS-API-amt-version.response.json")
        guard case .array(let refs)? = api["CIM_SoftwareIdentity"]?["responses"] else { Issue.record("shape"); return }
        #expect(try SoftwareIdentity.list(pull).map(\.versionString) == refs.map { $0["VersionString"]?.text ?? "" })
        let deactivate = try AnyJSON.load("MPS-API-amt-deactivate.response.json")
        #expect(deactivate["success"]?["status"]?.text == "SUCCESS")
        let records = try AnyJSON.load("AMT_AuditLog-ReadRecords-records2.json")
        let env = AnyJSON.object(["Body": records])
        let audit = try WSMANResponse(xml: Array(EnvelopeFromJSON.xml(env).utf8))
        #expect(try WSMANInstance(try #require(audit.payload)).strings("EventRecords").count == 10)
    }

    /// B22: without OSPowerSavingState the power state still decodes, defaulting it to 0.
    @Test func missingOptionalPropertyDefaults() throws {
        var b = WSMANResponseBuilder()
        let xml = b.pull(resourceURI: WSMANNamespace.cimBase + "CIM_ServiceAvailableToElement",
            items: [("CIM_AssociatedPowerManagementService", [("PowerState", .text("8")), ("AvailableRequestedPowerStates", .list(["2"]))])],
            nextContext: nil, relatesTo: "1")
        let p = try AssociatedPowerManagementService(WSMANResponse(xml: Array(xml.utf8)).instance("CIM_AssociatedPowerManagementService"))
        #expect(p.powerState == 8 && p.osPowerSavingState == 0)
        #expect(p.availableRequestedPowerStates == [2])
        let noState = b.pull(resourceURI: "u", items: [("CIM_AssociatedPowerManagementService", [])], nextContext: nil, relatesTo: "1")
        #expect(throws: WSMANDecodingError.missingProperty("PowerState")) {
            try AssociatedPowerManagementService(WSMANResponse(xml: Array(noState.utf8)).instance("CIM_AssociatedPowerManagementService"))
        }
    }

    /// B21: 7 items over 3 pulls; an item property named EndOfSequence does not end the loop,
    /// and a fault mid-way is an error rather than a short list.
    @Test func enumerationPullsUntilRealEndOfSequence() throws {
        var b = WSMANResponseBuilder()
        let uri = WSMANNamespace.amtBase + "AMT_MessageLog"
        func item(_ n: Int) -> (className: String, properties: [(String, WSMANValue)]) {
            ("CIM_Chip", [("Tag", .text("chip \(n)"))] + (n == 2 ? [("EndOfSequence", .text("true"))] : []))
        }
        let pages = [
            b.pull(resourceURI: uri, items: (0..<3).map(item), nextContext: "02000000-0000-0000-0000-000000000000", relatesTo: "1"),
            b.pull(resourceURI: uri, items: (3..<6).map(item), nextContext: "03000000-0000-0000-0000-000000000000", relatesTo: "2"),
            b.pull(resourceURI: uri, items: [item(6)], nextContext: nil, relatesTo: "3"),
        ]
        var tags: [String] = []
        var pulls = 0
        for page in pages {
            let r = try WSMANResponse.decode(HTTPResponse(status: 200, body: Array(page.utf8)))
            pulls += 1
            tags += r.instances().compactMap { $0.string("Tag") }
            if r.endOfSequence { break }
            #expect(r.enumerationContext != nil)
        }
        #expect(pulls == 3 && tags == (0..<7).map { "chip \($0)" })
        let fault = b.fault(resourceURI: uri, subcode: "InvalidEnumerationContext", reason: "x", relatesTo: "2")
        #expect(throws: WSMANError.self) { try WSMANResponse.decode(HTTPResponse(status: 400, body: Array(fault.utf8))) }
    }

    /// Builders escape inserted values and produce the reference shapes for pull, put,
    /// invoke with an EPR, and delete with a selector.
    @Test func requestBuildersEscapeAndMatchShapes() throws {
        let uri = WSMANNamespace.ipsBase + "IPS_AlarmClockOccurrence"
        let del = WSMANRequest.delete(resourceURI: uri, selectors: [WSMANSelector("InstanceID", "a<b&\"c")], messageID: 7)
        #expect(del.contains(#"<w:SelectorSet><w:Selector Name="InstanceID">a&lt;b&amp;&quot;c</w:Selector></w:SelectorSet></Header><Body></Body>"#))
        let parsed = try WSMANRequestParser.parse(Array(del.utf8))
        #expect(parsed.selectors == [WSMANSelector("InstanceID", "a<b&\"c")] && parsed.messageID == "7")
        let pull = WSMANRequest.pull(resourceURI: uri, context: "18000000-0000-0000-0000-000000000000", messageID: 1)
        let pr = try WSMANRequestParser.parse(Array(pull.utf8))
        #expect(pr.enumerationContext == "18000000-0000-0000-0000-000000000000" && pr.maxElements == 999)
        let pms = WSMANNamespace.cimBase + "CIM_PowerManagementService"
        let input = WSMANRequest.input(method: "RequestPowerStateChange", resourceURI: pms, arguments: [
            ("PowerState", .text("8")),
            ("ManagedElement", .reference(resourceURI: WSMANNamespace.cimBase + "CIM_ComputerSystem",
                selectors: [WSMANSelector("CreationClassName", "CIM_ComputerSystem"), WSMANSelector("Name", "ManagedSystem")])),
        ])
        let invoke = WSMANRequest.invoke(resourceURI: pms, method: "RequestPowerStateChange", arguments: input, messageID: 0)
        let ir = try WSMANRequestParser.parse(Array(invoke.utf8))
        #expect(ir.methodName == "RequestPowerStateChange" && ir.payloadValues["PowerState"] == "8")
        let epr = try #require(ir.payload?.child("ManagedElement")?.descendant(["ReferenceParameters", "SelectorSet"]))
        #expect(epr.children.map { $0.attribute("Name") ?? "" } == ["CreationClassName", "Name"])
        let put = WSMANRequest.put(resourceURI: WSMANNamespace.amtBase + "AMT_BootSettingData", body:
            WSMANRequest.instance(className: "AMT_BootSettingData", resourceURI: WSMANNamespace.amtBase + "AMT_BootSettingData",
                properties: [("BIOSSetup", .text("false")), ("BIOSLastStatus", .list(["2", "0"]))]), messageID: 3)
        let putr = try WSMANRequestParser.parse(Array(put.utf8))
        #expect(putr.action == WSMANAction.put && putr.payload?.children(named: "BIOSLastStatus").count == 2)
        #expect(WSMANNamespace.resourceURI(for: "Bad Class") == nil && WSMANNamespace.resourceURI(for: "XYZ_A") == nil)
    }

    /// Only Get, Enumerate and Pull count as safe to resend.
    @Test func readOnlyRequestsAreRecognised() throws {
        let uri = try #require(WSMANNamespace.resourceURI(for: "AMT_BootSettingData"))
        #expect(WSMANRequest.isReadOnly(WSMANRequest.get(resourceURI: uri, messageID: 1)))
        #expect(WSMANRequest.isReadOnly(WSMANRequest.enumerate(resourceURI: uri, messageID: 2)))
        #expect(WSMANRequest.isReadOnly(WSMANRequest.pull(resourceURI: uri, context: "c", messageID: 3)))
        #expect(!WSMANRequest.isReadOnly(WSMANRequest.put(resourceURI: uri, body: "", messageID: 4)))
        #expect(!WSMANRequest.isReadOnly(WSMANRequest.delete(resourceURI: uri, selectors: [], messageID: 5)))
        let invoke = WSMANRequest.invoke(resourceURI: uri, method: "Get", arguments: "", messageID: 6)
        #expect(!WSMANRequest.isReadOnly(invoke))
        #expect(!WSMANRequest.isReadOnly("") && !WSMANRequest.isReadOnly("<Envelope/>"))
    }

    /// Hostile or broken XML is a thrown .malformed, never a crash or an entity expansion.
    @Test func hostileXMLIsRejected() {
        let doctype = #"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>"#
        #expect(throws: WSMANError.malformed("document type declarations are not allowed")) {
            try SOAPElement.parse(Array(doctype.utf8))
        }
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(throws: WSMANError.self) { try SOAPElement.parse(Array(deep.utf8)) }
        #expect(throws: WSMANError.self) { try WSMANResponse(xml: Array("<x/>".utf8)) }
        #expect(throws: WSMANError.self) { try WSMANResponse(xml: []) }
        #expect(throws: WSMANError.self) { try WSMANRequestParser.parse(Array("<Envelope/>".utf8)) }
    }

    /// The simulator's 401 looks like AMT's: challenge, Connection: close, HTML ending </html>.
    @Test func unauthorizedResponseShape() {
        let r = WSMANResponseBuilder.unauthorized(wwwAuthenticate: #"Digest realm="r", nonce="n",stale="false",qop="auth""#)
        #expect(r.status == 401 && r.headers["Connection"] == "close")
        #expect(r.bodyText.hasSuffix("</html>") && r.headers["Content-Length"] == "\(r.body.count)")
    }
}
