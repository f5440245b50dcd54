// SPDX-License-Identifier: Apache-2.0

internal import Glibc

/// One argument or property value in a Put or method body.
public enum WSMANValue: Sendable, Equatable {
    /// Text, XML-escaped on output.
    case text(String)
    /// A multi-valued property: one element per value.
    case list([String])
    /// An endpoint reference in the form MPS writes (wsman.md §1.2).
    case reference(resourceURI: String, selectors: [WSMANSelector])
    /// A CIM datetime wrapped in the common namespace.
    case datetime(String)
    /// A CIM interval (an xs:duration such as `P0DT0H5M0S`) wrapped in the common namespace.
    case interval(String)
}

/// A `<w:Selector Name="…">value</w:Selector>`.
public struct WSMANSelector: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Builds the SOAP envelopes MPS sends, byte for byte (wsman.md §1.1–1.3). Every inserted
/// value is XML-escaped; `body` and `arguments` parameters are XML we built ourselves.
public enum WSMANRequest {
    static let prefix =
        #"<?xml version="1.0" encoding="utf-8"?><Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#
            + #"xmlns:xsd="http://www.w3.org/2001/XMLSchema" "#
            + #"xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" "#
            + #"xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" "#
            + #"xmlns="http://www.w3.org/2003/05/soap-envelope">"#

    public static func get(resourceURI: String, selectors: [WSMANSelector] = [], messageID: Int) -> String {
        envelope(WSMANAction.get, resourceURI, selectors, messageID, body: "<Body></Body>")
    }

    public static func enumerate(resourceURI: String, messageID: Int) -> String {
        envelope(
            WSMANAction.enumerate, resourceURI, [], messageID,
            body: #"<Body><Enumerate xmlns="http://schemas.xmlsoap.org/ws/2004/09/enumeration" /></Body>"#)
    }

    public static func pull(
        resourceURI: String, context: String, maxElements: Int = 999, maxCharacters: Int = 99999, messageID: Int
    ) -> String {
        let body =
            #"<Body><Pull xmlns="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><EnumerationContext>"#
            + xmlEscape(context) + "</EnumerationContext><MaxElements>\(maxElements)</MaxElements>"
            + "<MaxCharacters>\(maxCharacters)</MaxCharacters></Pull></Body>"
        return envelope(WSMANAction.pull, resourceURI, [], messageID, body: body)
    }

    /// A Put whose body is an instance element, usually from ``instance(className:resourceURI:properties:)``.
    public static func put(resourceURI: String, selectors: [WSMANSelector] = [], body: String, messageID: Int) -> String
    {
        envelope(WSMANAction.put, resourceURI, selectors, messageID, body: "<Body>" + body + "</Body>")
    }

    /// A custom method call; `arguments` is the `_INPUT` element, usually from
    /// ``input(method:resourceURI:arguments:)``.
    public static func invoke(
        resourceURI: String, method: String, selectors: [WSMANSelector] = [], arguments: String, messageID: Int
    ) -> String {
        envelope(
            WSMANAction.method(method, resourceURI: resourceURI), resourceURI, selectors, messageID,
            body: "<Body>" + arguments + "</Body>")
    }

    public static func delete(resourceURI: String, selectors: [WSMANSelector], messageID: Int) -> String {
        envelope(WSMANAction.delete, resourceURI, selectors, messageID, body: "<Body></Body>")
    }

    /// `<h:CLASS xmlns:h="URI"><h:Prop>v</h:Prop>…</h:CLASS>` in the given property order.
    public static func instance(className: String, resourceURI: String, properties: [(String, WSMANValue)]) -> String {
        element("h:" + className, xmlns: resourceURI, properties)
    }

    /// `<h:Method_INPUT xmlns:h="URI">…</h:Method_INPUT>`; no arguments gives an empty element.
    public static func input(method: String, resourceURI: String, arguments: [(String, WSMANValue)]) -> String {
        element("h:" + method + "_INPUT", xmlns: resourceURI, arguments)
    }

    private static func element(_ qname: String, xmlns: String, _ items: [(String, WSMANValue)]) -> String {
        var out = "<" + qname + " xmlns:h=\"" + xmlEscape(xmlns) + "\">"
        for (name, value) in items { out += render(name, value) }
        return out + "</" + qname + ">"
    }

    private static func render(_ name: String, _ value: WSMANValue) -> String {
        let open = "<h:" + name + ">"
        let close = "</h:" + name + ">"
        switch value {
        case .text(let t): return open + xmlEscape(t) + close
        case .list(let values): return values.map { open + xmlEscape($0) + close }.joined()
        case .datetime(let d):
            return open + #"<Datetime xmlns="http://schemas.dmtf.org/wbem/wscim/1/common">"# + xmlEscape(d)
                + "</Datetime>" + close
        case .interval(let d):
            return open + #"<Interval xmlns="http://schemas.dmtf.org/wbem/wscim/1/common">"# + xmlEscape(d)
                + "</Interval>" + close
        case .reference(let uri, let selectors):
            var epr =
                #"<Address xmlns="http://schemas.xmlsoap.org/ws/2004/08/addressing">"#
                + "http://schemas.xmlsoap.org/ws/2004/08/addressing</Address>"
                + #"<ReferenceParameters xmlns="http://schemas.xmlsoap.org/ws/2004/08/addressing">"#
                + #"<ResourceURI xmlns="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">"# + xmlEscape(uri)
                + "</ResourceURI>" + #"<SelectorSet xmlns="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">"#
            for s in selectors {
                epr += "<Selector Name=\"" + xmlEscape(s.name) + "\">" + xmlEscape(s.value) + "</Selector>"
            }
            epr += "</SelectorSet></ReferenceParameters>"
            return open + epr + close
        }
    }

    /// The openings of the read-only envelopes this builder makes (Get, Enumerate, Pull).
    private static let readOnlyOpenings: [[UInt8]] = [WSMANAction.get, WSMANAction.enumerate, WSMANAction.pull]
        .map { Array((prefix + "<Header><a:Action>" + $0 + "</a:Action>").utf8) }

    /// Whether `envelope`, built by this type, only reads (Get, Enumerate, Pull): resending
    /// it cannot change the device. Anything else, or any other text, counts as a change.
    public static func isReadOnly(_ envelope: String) -> Bool {
        var envelope = envelope
        return envelope.withUTF8 { utf8 in
            Self.readOnlyOpenings.contains { opening in
                utf8.count >= opening.count
                    && opening.withUnsafeBufferPointer { o in
                        memcmp(utf8.baseAddress!, o.baseAddress!, o.count) == 0
                    }
            }
        }
    }

    private static func envelope(
        _ action: String, _ resourceURI: String, _ selectors: [WSMANSelector], _ messageID: Int, body: String
    ) -> String {
        var out = prefix + "<Header><a:Action>" + xmlEscape(action) + "</a:Action><a:To>/wsman</a:To>"
        out += "<w:ResourceURI>" + xmlEscape(resourceURI) + "</w:ResourceURI>"
        out += "<a:MessageID>\(messageID)</a:MessageID>"
        out += "<a:ReplyTo><a:Address>" + WSMANNamespace.anonymous + "</a:Address></a:ReplyTo>"
        out += "<w:OperationTimeout>PT60S</w:OperationTimeout>"
        if !selectors.isEmpty {
            out += "<w:SelectorSet>"
            for s in selectors {
                out += "<w:Selector Name=\"" + xmlEscape(s.name) + "\">" + xmlEscape(s.value) + "</w:Selector>"
            }
            out += "</w:SelectorSet>"
        }
        return out + "</Header>" + body + "</Envelope>"
    }
}

/// The HTTP framing MPS uses for a WS-MAN request inside a CIRA channel (wsman.md §2.2).
public enum WSMANHTTP {
    /// `POST /wsman HTTP/1.1` with Authorization (when given), Host and Content-Length, in the
    /// reference's order. `host` is used verbatim: over CIRA it is `<guid>:16992`.
    public static func request(body: String, host: String, authorization: String?) -> [UInt8] {
        let bodyBytes = Array(body.utf8)
        var head = "POST /wsman HTTP/1.1\r\n"
        if let authorization, !authorization.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
            head += "Authorization: " + authorization + "\r\n"
        }
        head += "Host: " + String(host.filter { $0 != "\r" && $0 != "\n" }) + "\r\n"
        head += "Content-Length: \(bodyBytes.count)\r\n\r\n"
        return Array(head.utf8) + bodyBytes
    }
}
