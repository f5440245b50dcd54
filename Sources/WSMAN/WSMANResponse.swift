// SPDX-License-Identifier: Apache-2.0

public import HTTP
public import JSON

/// A parsed WS-MAN response envelope with its header fields and body.
public struct WSMANResponse: Sendable, Equatable {
    public var envelope: SOAPElement
    public var action: String?
    public var relatesTo: String?
    public var messageID: String?
    public var resourceURI: String?

    /// The Body element (an empty one when the envelope has none, like a DeleteResponse).
    public var body: SOAPElement {
        self.envelope.child("Body", namespace: WSMANNamespace.soapEnvelope)
            ?? SOAPElement(name: "Body", namespace: WSMANNamespace.soapEnvelope)
    }

    public var header: SOAPElement? { self.envelope.child("Header", namespace: WSMANNamespace.soapEnvelope) }

    /// Parses an envelope. A Fault in the body is returned as a response too; see ``fault``.
    /// - Throws: ``WSMANError/malformed(_:)`` for bad XML or a document that is not a SOAP envelope.
    public init(xml: [UInt8]) throws(WSMANError) {
        let root = try SOAPElement.parse(xml)
        guard root.name == "Envelope", root.namespace == WSMANNamespace.soapEnvelope else {
            throw .malformed("not a SOAP 1.2 envelope")
        }
        self.envelope = root
        let header = root.child("Header", namespace: WSMANNamespace.soapEnvelope)
        self.action = header?.child("Action", namespace: WSMANNamespace.addressing)?.trimmedText
        self.relatesTo = header?.child("RelatesTo", namespace: WSMANNamespace.addressing)?.trimmedText
        self.messageID = header?.child("MessageID", namespace: WSMANNamespace.addressing)?.trimmedText
        self.resourceURI = header?.child("ResourceURI", namespace: WSMANNamespace.wsman)?.trimmedText
    }

    /// Turns an HTTP answer into a response or the matching error: a 200 with a SOAP body is a
    /// response; a SOAP fault (any status) is ``WSMANError/fault(code:subcode:reason:detail:)``;
    /// any other non-200 is ``WSMANError/http(status:body:)`` (B25); 401 is ``WSMANError/unauthorized``.
    public static func decode(_ http: HTTPResponse) throws(WSMANError) -> WSMANResponse {
        if http.status == 401 { throw .unauthorized }
        if http.status != 200 {
            if let parsed = try? WSMANResponse(xml: http.body), let fault = parsed.fault { throw fault }
            throw .http(status: http.status, body: http.body)
        }
        let parsed = try WSMANResponse(xml: http.body)
        if let fault = parsed.fault { throw fault }
        return parsed
    }

    /// The body's SOAP fault, if it holds one.
    public var fault: WSMANError? {
        guard let f = self.body.child("Fault", namespace: WSMANNamespace.soapEnvelope) else { return nil }
        let code = f.child("Code")
        let value = code?.child("Value")?.trimmedText ?? ""
        let sub = code?.child("Subcode")?.child("Value")?.trimmedText
        let reasonElement = f.child("Reason")
        let reason = reasonElement?.child("Text")?.trimmedText ?? reasonElement?.trimmedText ?? ""
        let detailElement = f.child("Detail")
        let detail = detailElement.map { d in
            d.children.isEmpty ? d.trimmedText : d.children.map(\.trimmedText).joined(separator: " ")
        }
        return .fault(
            code: Self.localPart(value), subcode: sub.map(Self.localPart), reason: reason,
            detail: (detail?.isEmpty ?? true) ? nil : detail)
    }

    /// `EnumerationContext` of an EnumerateResponse or a non-final PullResponse.
    public var enumerationContext: String? {
        let b = self.body
        let holder =
            b.child("EnumerateResponse", namespace: WSMANNamespace.enumeration)
            ?? b.child("PullResponse", namespace: WSMANNamespace.enumeration)
        return holder?.child("EnumerationContext", namespace: WSMANNamespace.enumeration)?.trimmedText
    }

    /// The instances in a PullResponse's Items, in order (empty for any other body).
    public var items: [SOAPElement] {
        self.body.child("PullResponse", namespace: WSMANNamespace.enumeration)?
            .child("Items", namespace: WSMANNamespace.enumeration)?.children ?? []
    }

    /// Whether this PullResponse ends the enumeration. Only an EndOfSequence element of the
    /// enumeration (or wsman) namespace directly in PullResponse counts: an instance property
    /// that happens to be called EndOfSequence does not (B21).
    public var endOfSequence: Bool {
        guard let pull = self.body.child("PullResponse", namespace: WSMANNamespace.enumeration) else { return false }
        return pull.child("EndOfSequence", namespace: WSMANNamespace.enumeration) != nil
            || pull.child("EndOfSequence", namespace: WSMANNamespace.wsman) != nil
    }

    /// The first element in the body (the instance of a Get, the `_OUTPUT` of a method).
    public var payload: SOAPElement? { self.body.children.first }

    /// `{"Header": {...}, "Body": {...}}` converted like the reference (wsman.md §1.6).
    public func toJSON(_ style: JSONScalarStyle = .strings) -> JSONValue {
        var members: [JSONMember] = []
        if let header { members.append(JSONMember("Header", header.contentJSON(style))) }
        members.append(JSONMember("Body", self.body.contentJSON(style)))
        return .object(members)
    }

    static func localPart(_ qname: String) -> String {
        qname.split(separator: ":", maxSplits: 1).last.map(String.init) ?? qname
    }
}
