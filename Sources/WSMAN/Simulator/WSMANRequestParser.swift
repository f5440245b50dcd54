// SPDX-License-Identifier: Apache-2.0

/// A WS-MAN request as the device simulator sees it.
public struct WSMANIncomingRequest: Sendable, Equatable {
    public var action: String
    public var resourceURI: String
    /// The request MessageID text, echoed in RelatesTo. Repeats are legal (wsman.md §1.1).
    public var messageID: String
    public var selectors: [WSMANSelector]
    /// The Body element.
    public var body: SOAPElement

    /// The first element in the Body: the Put instance or a method's `_INPUT`.
    public var payload: SOAPElement? { self.body.children.first }

    /// For a custom method, its name (`RequestPowerStateChange`); nil for transfer/enumeration.
    public var methodName: String? {
        let prefix = self.resourceURI + "/"
        guard self.action.hasPrefix(prefix) else { return nil }
        let name = String(self.action.dropFirst(prefix.count))
        return name.isEmpty || name.contains("/") ? nil : name
    }

    /// The EnumerationContext of a Pull (or Release).
    public var enumerationContext: String? {
        self.payload?.child("EnumerationContext", namespace: WSMANNamespace.enumeration)?.trimmedText
    }

    /// MaxElements of a Pull, when present and numeric.
    public var maxElements: Int? {
        self.payload?.child("MaxElements", namespace: WSMANNamespace.enumeration).flatMap { Int($0.trimmedText) }
    }

    /// The simple-valued children of the payload as name → text (Put properties, method
    /// arguments). Repeated names keep their first value; use ``payload`` for the rest.
    public var payloadValues: [String: String] {
        var out: [String: String] = [:]
        for c in self.payload?.children ?? [] where c.children.isEmpty && out[c.name] == nil {
            out[c.name] = c.text
        }
        return out
    }
}

/// Reads a SOAP request the way AMT must: elements by local name plus namespace, any prefix
/// or default namespace, `<Body />` or `<Body></Body>`, unknown header fields ignored.
public enum WSMANRequestParser {
    /// - Throws: ``WSMANError/malformed(_:)`` when the XML is bad or Action, ResourceURI or
    ///   MessageID is missing.
    public static func parse(_ bytes: [UInt8]) throws(WSMANError) -> WSMANIncomingRequest {
        let root = try SOAPElement.parse(bytes)
        guard root.name == "Envelope", root.namespace == WSMANNamespace.soapEnvelope,
            let header = root.child("Header", namespace: WSMANNamespace.soapEnvelope)
        else { throw .malformed("not a SOAP 1.2 envelope") }
        guard let action = header.child("Action", namespace: WSMANNamespace.addressing)?.trimmedText,
            let resource = header.child("ResourceURI", namespace: WSMANNamespace.wsman)?.trimmedText,
            let messageID = header.child("MessageID", namespace: WSMANNamespace.addressing)?.trimmedText
        else { throw .malformed("missing Action, ResourceURI or MessageID") }
        let selectors =
            header.child("SelectorSet", namespace: WSMANNamespace.wsman)?
            .children(named: "Selector", namespace: WSMANNamespace.wsman)
            .map { WSMANSelector($0.attribute("Name") ?? "", $0.text) } ?? []
        let body =
            root.child("Body", namespace: WSMANNamespace.soapEnvelope)
            ?? SOAPElement(name: "Body", namespace: WSMANNamespace.soapEnvelope)
        return WSMANIncomingRequest(
            action: action, resourceURI: resource, messageID: messageID, selectors: selectors, body: body)
    }
}
