// SPDX-License-Identifier: Apache-2.0

import Foundation
import HTTP
import Testing

@testable import WSMAN

/// Feeds bytes to an HTTPResponseParser cut at `cuts` and returns the single response.
private func parseHTTP(_ bytes: [UInt8], cuts: [Int]) throws -> HTTPResponse? {
    var p = HTTPResponseParser()
    var last = 0
    var got: HTTPResponse?
    for cut in cuts + [bytes.count] where cut >= last {
        p.append(bytes[last..<cut])
        last = cut
        if let r = try p.next() { got = r }
    }
    return got
}

@Suite struct FixtureTests {
    static let httpCaptures = [
        "AMT_GeneralSettings-Get", "CIM_Card-Get", "CIM_ComputerSystemPackage-Get",
        "CIM_SoftwareIdentity-Enumerate",
    ]

    /// Each chunked capture parses to its .xml body at every single cut point and byte by byte.
    @Test(arguments: httpCaptures)
    func chunkedCapturesParseAtEverySplitPoint(name: String) throws {
        let bytes = try Fixtures.bytes(name + ".http")
        let xml = try Fixtures.bytes(name + ".xml")
        for cut in 0...bytes.count {
            let r = try #require(try parseHTTP(bytes, cuts: [cut]), "cut \(cut)")
            #expect(r.status == 200 && r.body == xml, "cut \(cut)")
        }
        let r = try #require(try parseHTTP(bytes, cuts: Array(0..<bytes.count)))
        #expect(r.headers["server"] == "Intel(R) Active Management Technology 15.0.23.1706")
        let response = try WSMANResponse.decode(r)
        #expect(response.resourceURI.flatMap(WSMANNamespace.className(for:)) == String(name.split(separator: "-")[0]))
    }

    /// The 401 capture holds only the head: its challenge parses, and EOF before the
    /// announced 693 bytes is a truncation error.
    @Test func unauthorizedCapture() throws {
        var p = HTTPResponseParser()
        p.append(try Fixtures.bytes("HTTP-401-Unauthorized.http"))
        #expect(try p.next() == nil)
        #expect(throws: HTTPParserError.truncatedMessage) { try p.finish() }
        var q = HTTPResponseParser()
        q.append(
            try Fixtures.bytes("HTTP-401-Unauthorized.http") + Array(repeating: 0x20, count: 686)
                + Array("</html>".utf8))
        let r = try #require(try q.next())
        let c = try #require(DigestChallenge.parse(wwwAuthenticate: r.headers.values("www-authenticate")))
        #expect(c.realm == "Digest:0123456789ABCDEF0123456789ABCDEF" && c.nonce == "bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX")
        #expect(c.qopOptions == ["auth"] && !c.stale)
    }

    /// Real captured XML converts to exactly the reference's parsed JSON (values as text).
    @Test(arguments: httpCaptures)
    func capturedXMLMatchesReferenceJSON(name: String) throws {
        let response = try WSMANResponse(xml: try Fixtures.bytes(name + ".xml"))
        var expected = try #require(try AnyJSON.load(name + ".json")["Envelope"])
        if name == "AMT_GeneralSettings-Get" {
            // The two files come from different reference tests: only the host name differs.
            #expect(response.body.descendant(["AMT_GeneralSettings", "HostOSFQDN"])?.text == "")
            expected = expected.replacing(path: ["Body", "AMT_GeneralSettings", "HostOSFQDN"], with: .string(""))
        }
        #expect(expected.matches(response.toJSON()))
    }

    /// Every .json fixture that is an envelope round-trips: rebuilt as AMT XML, parsed, and
    /// converted back, it equals the fixture.
    @Test func everyJSONEnvelopeFixtureRoundTrips() throws {
        var checked = 0
        for name in try Fixtures.all(withSuffix: ".json") {
            guard let envelope = try AnyJSON.load(name)["Envelope"] else { continue }
            let response = try WSMANResponse(xml: Array(EnvelopeFromJSON.xml(envelope).utf8))
            var mine = response.toJSON()
            if envelope["Body"] == nil, case .object(let m) = mine { mine = .object(m.filter { $0.key != "Body" }) }
            #expect(envelope.matches(mine), "\(name)")
            if envelope["Body"]?["Fault"] != nil { #expect(response.fault != nil, "\(name)") }
            checked += 1
        }
        #expect(checked == 32)  // all 35 .json files but the two REST outputs and records2
    }

    /// Every .xml and .v1.xml capture parses, carries RelatesTo and a ResourceURI, and is a
    /// Get, Pull or Enumerate response.
    @Test func everyXMLCaptureParses() throws {
        let names = try Fixtures.all(withSuffix: ".xml").filter { !$0.hasPrefix("request-") }
        #expect(names.count == 23)  // 6 compact captures and 17 pretty-printed v1 captures
        for name in names {
            let r = try WSMANResponse(xml: try Fixtures.bytes(name))
            #expect(r.relatesTo != nil && r.resourceURI != nil && r.messageID?.hasPrefix("uuid:") == true, "\(name)")
            #expect(
                [WSMANAction.getResponse, WSMANAction.pullResponse, WSMANAction.enumerateResponse]
                    .contains(r.action ?? ""), "\(name)")
            #expect(r.payload != nil, "\(name)")
        }
    }

    /// Our Get request is byte-identical to the captured reference request, and the
    /// simulator's parser reads it back.
    @Test func getRequestIsByteExact() throws {
        let built = WSMANRequest.get(
            resourceURI: try #require(WSMANNamespace.resourceURI(for: "AMT_GeneralSettings")), messageID: 0)
        #expect(Array(built.utf8) == (try Fixtures.bytes("request-AMT_GeneralSettings-Get.xml")))
        let parsed = try WSMANRequestParser.parse(Array(built.utf8))
        #expect(parsed.action == WSMANAction.get && parsed.messageID == "0")
        #expect(parsed.resourceURI == "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings")
        let framed = WSMANHTTP.request(
            body: built, host: "12345678-9abc-def0-1234-56789abcdef0:16992", authorization: nil)
        #expect(
            String(decoding: framed, as: UTF8.self)
                == "POST /wsman HTTP/1.1\r\nHost: 12345678-9abc-def0-1234-56789abcdef0:16992\r\nContent-Length: 718\r\n\r\n"
                + built)
    }

    /// The simulator's builder reproduces the CIM_Card capture byte for byte, chunking included.
    @Test func builderReproducesCardCapture() throws {
        var b = WSMANResponseBuilder(nextMessageID: 3)
        let props: [(String, WSMANValue)] = [
            ("Version", .text("A00")), ("CanBeFRUed", .text("true")), ("CreationClassName", .text("CIM_Card")),
            ("ElementName", .text("Managed System Base Board")), ("Manufacturer", .text("Dell Inc.")),
            ("Model", .text("0MVDNX")), ("OperationalStatus", .text("0")), ("PackageType", .text("9")),
            ("SerialNumber", .text("/FAKE001/CNFAKE00000001/")), ("Tag", .text("CIM_Card")),
        ]
        let xml = b.get(
            resourceURI: WSMANNamespace.cimBase + "CIM_Card", className: "CIM_Card", properties: props, relatesTo: "2")
        #expect(Array(xml.utf8) == (try Fixtures.bytes("CIM_Card-Get.xml")))
        let http = WSMANResponseBuilder.chunked(xml: xml, date: "Mon, 10 Jan 2022 20:37:48 GMT")
        #expect(http == (try Fixtures.bytes("CIM_Card-Get.http")))
    }

    /// The enumerate capture's context and the alarm pull's item come out of the helpers.
    @Test func enumerationHelpersOnCaptures() throws {
        let e = try WSMANResponse(xml: try Fixtures.bytes("CIM_SoftwareIdentity-Enumerate.xml"))
        #expect(e.enumerationContext == "17000000-0000-0000-0000-000000000000")
        let p = try WSMANResponse(xml: try Fixtures.bytes("IPS_AlarmClockOccurrence-Pull.xml"))
        #expect(p.endOfSequence && p.enumerationContext == nil)
        let alarm = try p.instance("IPS_AlarmClockOccurrence")
        #expect(alarm.string("InstanceID") == "01" && alarm.datetime("StartTime") == "2022-11-30T18:51:00Z")
        #expect(try alarm.bool("DeleteOnCompletion") == true)
        // Reference typing keeps a leading-zero InstanceID a string (wsman.md §1.6).
        let typed = p.toJSON(.reference)["Body"]?["PullResponse"]?["Items"]?["IPS_AlarmClockOccurrence"]
        #expect(typed?["InstanceID"] == .string("01") && typed?["DeleteOnCompletion"] == .bool(true))
        #expect(p.toJSON(.reference)["Header"]?["RelatesTo"] == .number("1"))
    }
}
