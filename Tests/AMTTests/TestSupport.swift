import AMT
import Foundation
import HTTP
import JSON
import Synchronization
import Testing
import WSMAN

let testGUID = "12345678-9abc-def0-1234-56789abcdef0"

/// Fixture files from the test bundle, turned into WS-MAN responses.
enum Fixture {
    static func bytes(_ name: String) throws -> [UInt8] {
        let dot = try #require(name.firstIndex(of: "."))
        let url = try #require(
            Bundle.module.url(
                forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
                subdirectory: "Fixtures"))
        return Array(try Data(contentsOf: url))
    }

    /// A `.xml`, `.v1.xml` or `.http` capture as the device sent it, or a `.json` fixture
    /// rebuilt as AMT-shaped XML with WSMANResponseBuilder.
    static func response(_ name: String, relatesTo: String = "0") throws -> WSMANResponse {
        if name.hasSuffix(".http") {
            var parser = HTTPResponseParser()
            parser.append(try bytes(name))
            let http = try #require(try parser.next())
            return try WSMANResponse.decode(http)
        }
        if name.hasSuffix(".xml") { return try WSMANResponse(xml: try bytes(name)) }
        return try WSMANResponse(xml: Array(try xml(fromJSON: name, relatesTo: relatesTo).utf8))
    }

    /// The XML for a `.json` fixture (`{"Envelope": {"Header": …, "Body": {…}}}`).
    static func xml(fromJSON name: String, relatesTo: String = "0") throws -> String {
        let root = try JSONValue.parse(try bytes(name))
        let envelope = try #require(root["Envelope"])
        let uri = envelope["Header"]?["ResourceURI"]?.stringValue ?? ""
        let body = envelope["Body"]?.members ?? []  // a DeleteResponse has no Body
        var builder = WSMANResponseBuilder()
        guard let first = body.first else { return builder.delete(resourceURI: uri, relatesTo: relatesTo) }
        let name = first.key
        let value = first.value
        if name == "Fault" {
            let sub = value["Code"]?["Subcode"]?["Value"]?.stringValue ?? ""
            let local = String(sub.split(separator: ":").last ?? "")
            let detail = value["Detail"]?["FaultDetail"]?.stringValue
            return builder.fault(
                resourceURI: uri, subcode: local, reason: value["Reason"]?.stringValue ?? "", detail: detail,
                relatesTo: relatesTo)
        }
        if name == "EnumerateResponse" {
            return builder.enumerate(
                resourceURI: uri, context: value["EnumerationContext"]?.stringValue ?? "",
                relatesTo: relatesTo)
        }
        if name == "PullResponse" {
            var items: [(className: String, properties: [(String, WSMANValue)])] = []
            for member in value["Items"]?.members ?? [] {
                let list = member.value.arrayValue ?? [member.value]
                for item in list { items.append((member.key, properties(item))) }
            }
            let ended = value["EndOfSequence"] != nil
            return builder.pull(
                resourceURI: uri, items: items,
                nextContext: ended ? nil : value["EnumerationContext"]?.stringValue,
                relatesTo: relatesTo)
        }
        if name.hasSuffix("_OUTPUT") {
            let method = String(name.dropLast("_OUTPUT".count))
            let outputs = properties(value).filter { $0.0 != "ReturnValue" }
            let rv = Int(value["ReturnValue"]?.stringValue ?? "") ?? -1
            return builder.methodOutput(
                resourceURI: uri, method: method, outputs: outputs, returnValue: rv, relatesTo: relatesTo)
        }
        return builder.get(
            resourceURI: uri, className: name, properties: properties(value), relatesTo: relatesTo)
    }

    /// JSON properties as builder values: scalars as text, arrays as lists, `{Datetime}` as
    /// a datetime, EPRs as references; other structures are left out.
    static func properties(_ object: JSONValue) -> [(String, WSMANValue)] {
        var out: [(String, WSMANValue)] = []
        for m in object.members ?? [] {
            if let s = m.value.stringValue {
                out.append((m.key, .text(s)))
            } else if let list = m.value.arrayValue {
                out.append((m.key, .list(list.compactMap(\.stringValue))))
            } else if let d = m.value["Datetime"]?.stringValue {
                out.append((m.key, .datetime(d)))
            } else if let rp = m.value["ReferenceParameters"] {
                let selectors = rp["SelectorSet"]?["Selector"]
                let values =
                    selectors?.arrayValue?.compactMap(\.stringValue) ?? selectors?.stringValue.map { [$0] }
                    ?? []
                out.append(
                    (
                        m.key,
                        .reference(
                            resourceURI: rp["ResourceURI"]?.stringValue ?? "",
                            selectors: values.enumerated().map { WSMANSelector("S\($0.offset)", $0.element) })
                    ))
            }
        }
        return out
    }
}

/// A transport that answers from a handler and records every request, parsed.
final class FakeTransport: WSMANTransport, Sendable {
    typealias Handler = @Sendable (WSMANIncomingRequest, Int) throws(AMTError) -> WSMANResponse
    private let handler: Handler
    private let log = Mutex<[WSMANIncomingRequest]>([])
    private let resets = Mutex<[String]>([])

    init(_ handler: @escaping Handler) { self.handler = handler }

    /// Answers requests by (class, action suffix) from a table of responses.
    convenience init(_ table: [String: WSMANResponse]) {
        self.init { request, _ throws(AMTError) in
            let key = FakeTransport.key(request)
            guard let response = table[key] else { throw .unexpectedResponse("no fake answer for \(key)") }
            return response
        }
    }

    /// `CLASS Action` with the action's last path segment (`CIM_Card Get`, `AMT_AuditLog ReadRecords`).
    static func key(_ r: WSMANIncomingRequest) -> String {
        let cls = WSMANNamespace.className(for: r.resourceURI) ?? r.resourceURI
        return cls + " " + (r.action.split(separator: "/").last.map(String.init) ?? r.action)
    }

    var requests: [WSMANIncomingRequest] { self.log.withLock { $0 } }
    var keys: [String] { self.requests.map(FakeTransport.key) }
    var resetGUIDs: [String] { self.resets.withLock { $0 } }

    func send(guid: String, envelope: String) async throws(AMTError) -> WSMANResponse {
        let request: WSMANIncomingRequest
        do {
            request = try WSMANRequestParser.parse(Array(envelope.utf8))
        } catch {
            throw .unexpectedResponse("the service sent an unparsable request")
        }
        return try self.answer(request)
    }

    func resetSession(guid: String) { self.resets.withLock { $0.append(guid) } }

    /// Records and answers an already-parsed request.
    func answer(_ request: WSMANIncomingRequest) throws(AMTError) -> WSMANResponse {
        let index = self.log.withLock { log -> Int in
            log.append(request)
            return log.count - 1
        }
        return try self.handler(request, index)
    }
}

struct AlwaysConnected: DeviceConnectivity {
    var connected: Set<String> = [testGUID]
    func isConnected(_ guid: String) -> Bool { self.connected.contains(guid) }
}

/// Builders for responses no fixture covers (wsman.md §6 templates).
enum Built {
    static func get(_ className: String, _ properties: [(String, String)]) -> WSMANResponse {
        var b = WSMANResponseBuilder()
        let uri = WSMANNamespace.resourceURI(for: className)!
        let xml = b.get(
            resourceURI: uri, className: className, properties: properties.map { ($0.0, .text($0.1)) },
            relatesTo: "0")
        return try! WSMANResponse(xml: Array(xml.utf8))
    }

    static func output(
        _ className: String, _ method: String, returnValue: Int = 0,
        _ outputs: [(String, WSMANValue)] = []
    ) -> WSMANResponse {
        var b = WSMANResponseBuilder()
        let uri = WSMANNamespace.resourceURI(for: className)!
        let xml = b.methodOutput(
            resourceURI: uri, method: method, outputs: outputs, returnValue: returnValue, relatesTo: "0")
        return try! WSMANResponse(xml: Array(xml.utf8))
    }

    static func put(_ className: String) -> WSMANResponse { get(className, []) }

    static func enumerate(_ className: String, context: String = "01000000-0000-0000-0000-000000000000")
        -> WSMANResponse
    {
        var b = WSMANResponseBuilder()
        let xml = b.enumerate(
            resourceURI: WSMANNamespace.resourceURI(for: className)!, context: context, relatesTo: "0")
        return try! WSMANResponse(xml: Array(xml.utf8))
    }

    static func pull(_ className: String, items: [(String, [(String, WSMANValue)])], next: String? = nil)
        -> WSMANResponse
    {
        var b = WSMANResponseBuilder()
        let xml = b.pull(
            resourceURI: WSMANNamespace.resourceURI(for: className)!,
            items: items.map { (className: $0.0, properties: $0.1) }, nextContext: next, relatesTo: "0")
        return try! WSMANResponse(xml: Array(xml.utf8))
    }

    static func fault(_ subcode: String, detail: String? = nil) -> AMTError {
        .wsman(.fault(code: "Sender", subcode: subcode, reason: "test fault", detail: detail))
    }

    static let redirection: [(String, String)] = [
        ("CreationClassName", "AMT_RedirectionService"), ("ElementName", "Intel(r) AMT Redirection Service"),
        ("EnabledState", "32771"), ("ListenerEnabled", "true"), ("Name", "Intel(r) AMT Redirection Service"),
        ("SystemCreationClassName", "CIM_ComputerSystem"), ("SystemName", "Intel(r) AMT"),
    ]

    static func optIn(required: String = "4294967295", state: String = "0") -> [(String, String)] {
        [
            ("CanModifyOptInPolicy", "1"), ("CreationClassName", "IPS_OptInService"),
            ("ElementName", "Intel(r) AMT OptIn Service"), ("Name", "Intel(r) AMT OptIn Service"),
            ("OptInCodeTimeout", "120"), ("OptInDisplayTimeout", "300"), ("OptInRequired", required),
            ("OptInState", state), ("SystemCreationClassName", "CIM_ComputerSystem"),
            ("SystemName", "Intel(r) AMT"),
        ]
    }

    static func kvm(enabled: String = "6") -> [(String, String)] {
        [
            ("CreationClassName", "CIM_KVMRedirectionSAP"),
            ("ElementName", "KVM Redirection Service Access Point"),
            ("EnabledState", enabled), ("KVMProtocol", "4"), ("Name", "KVM Redirection Service Access Point"),
            ("RequestedState", "2"), ("SystemCreationClassName", "CIM_ComputerSystem"),
            ("SystemName", "ManagedSystem"),
        ]
    }
}

extension WSMANIncomingRequest {
    /// The text of a payload child (Put property or method argument).
    func value(_ name: String) -> String? { self.payload?.child(name)?.text }

    /// Selector values of an EPR argument, as name → value.
    func referenceSelectors(_ name: String) -> [String: String] {
        var out: [String: String] = [:]
        let set = self.payload?.child(name)?.child("ReferenceParameters")?.child("SelectorSet")
        for s in set?.children(named: "Selector") ?? [] { out[s.attribute("Name") ?? ""] = s.text }
        return out
    }

    func referenceURI(_ name: String) -> String? {
        self.payload?.child(name)?.child("ReferenceParameters")?.child("ResourceURI")?.text
    }
}
