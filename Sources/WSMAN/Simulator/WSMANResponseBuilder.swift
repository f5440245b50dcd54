// SPDX-License-Identifier: Apache-2.0

public import HTTP

/// Builds AMT-shaped response envelopes for the simulator (wsman.md §1.5, §6): one compact
/// line, fixed prefixes `a`–`f`, properties in ASCII order, a response MessageID counter.
public struct WSMANResponseBuilder: Sendable {
    /// The next response MessageID (printed as 12 uppercase hex digits).
    public var nextMessageID: UInt64

    public init(nextMessageID: UInt64 = 1) {
        self.nextMessageID = nextMessageID
    }

    /// A Get response: `<g:CLASS>` with the properties sorted.
    public mutating func get(
        resourceURI: String, className: String, properties: [(String, WSMANValue)], relatesTo: String
    )
        -> String
    {
        self.instanceResponse(WSMANAction.getResponse, resourceURI, className, properties, relatesTo)
    }

    /// A Put response carrying the resulting instance.
    public mutating func put(
        resourceURI: String, className: String, properties: [(String, WSMANValue)], relatesTo: String
    )
        -> String
    {
        self.instanceResponse(WSMANAction.putResponse, resourceURI, className, properties, relatesTo)
    }

    public mutating func enumerate(resourceURI: String, context: String, relatesTo: String) -> String {
        let body =
            "<g:EnumerateResponse><g:EnumerationContext>" + xmlEscape(context)
            + "</g:EnumerationContext></g:EnumerateResponse>"
        return self.envelope([WSMANNamespace.enumeration], WSMANAction.enumerateResponse, resourceURI, relatesTo, body)
    }

    /// A Pull page. With `nextContext` the page says more follows; without, it ends with
    /// EndOfSequence. Items of several classes get one namespace letter per class.
    public mutating func pull(
        resourceURI: String, items: [(className: String, properties: [(String, WSMANValue)])],
        nextContext: String?, relatesTo: String
    ) -> String {
        var namespaces = [WSMANNamespace.enumeration]
        var letters: [String: String] = [:]
        for item in items where letters[item.className] == nil {
            let uri = WSMANNamespace.resourceURI(for: item.className) ?? resourceURI
            letters[item.className] = Self.letter(namespaces.count)
            namespaces.append(uri)
        }
        let common = Self.letter(namespaces.count)
        namespaces.append(WSMANNamespace.common)
        var body = "<g:PullResponse>"
        if let nextContext { body += "<g:EnumerationContext>" + xmlEscape(nextContext) + "</g:EnumerationContext>" }
        body += "<g:Items>"
        for item in items {
            body += Self.instance(letters[item.className] ?? "h", item.className, item.properties, common: common)
        }
        body += "</g:Items>"
        if nextContext == nil { body += "<g:EndOfSequence></g:EndOfSequence>" }
        body += "</g:PullResponse>"
        return self.envelope(namespaces, WSMANAction.pullResponse, resourceURI, relatesTo, body)
    }

    public mutating func delete(resourceURI: String, relatesTo: String) -> String {
        self.envelope([resourceURI], WSMANAction.deleteResponse, resourceURI, relatesTo, "")
    }

    /// A method's `_OUTPUT` with the out-parameters first and ReturnValue last.
    public mutating func methodOutput(
        resourceURI: String, method: String, outputs: [(String, WSMANValue)] = [], returnValue: Int, relatesTo: String
    ) -> String {
        var body = "<g:" + method + "_OUTPUT>"
        for (name, value) in outputs { body += Self.property("g", name, value, common: "h") }
        body += "<g:ReturnValue>\(returnValue)</g:ReturnValue></g:" + method + "_OUTPUT>"
        return self.envelope(
            [resourceURI, WSMANNamespace.common],
            WSMANAction.method(method + "Response", resourceURI: resourceURI), resourceURI, relatesTo, body)
    }

    /// A SOAP fault. `subcode` is the local name (`DestinationUnreachable`); it is written in
    /// the addressing namespace (`b:`) as AMT does. The HTTP status to use is 400 for Sender.
    public mutating func fault(
        resourceURI: String?, code: String = "Sender", subcode: String, reason: String, detail: String? = nil,
        relatesTo: String, action: String = WSMANAction.addressingFault
    ) -> String {
        var body =
            "<a:Fault><a:Code><a:Value>a:" + xmlEscape(code) + "</a:Value><a:Subcode><a:Value>b:"
            + xmlEscape(subcode) + "</a:Value></a:Subcode></a:Code><a:Reason><a:Text xml:lang=\"en-US\">"
            + xmlEscape(reason) + "</a:Text></a:Reason><a:Detail>"
        if let detail { body += "<c:FaultDetail>" + xmlEscape(detail) + "</c:FaultDetail>" }
        body += "</a:Detail></a:Fault>"
        return self.envelope([], action, resourceURI, relatesTo, body)
    }

    // MARK: HTTP framing

    /// The 401 AMT sends: the challenge, an HTML body ending in `</html>`, `Connection: close`.
    public static func unauthorized(wwwAuthenticate: String, server: String = defaultServer) -> HTTPResponse {
        let html =
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"><html><head><title>Intel&reg; "
            + "Active Management Technology</title></head><body><h2>Log on failed. Incorrect user name or password, "
            + "or user account temporarily locked.</h2></body></html>"
        return HTTPResponse(
            status: 401,
            headers: [
                "WWW-Authenticate": wwwAuthenticate, "Content-Type": "text/html", "Server": server,
                "Content-Length": "\(html.utf8.count)", "Connection": "close",
            ], body: Array(html.utf8))
    }

    public static let defaultServer = "Intel(R) Active Management Technology 15.0.23.1706"

    /// A response framed like AMT: chunked, 4-digit uppercase hex sizes, a first chunk of
    /// 0x220 bytes and then chunks of at most 0x2FA (wsman.md §2.4).
    public static func chunked(
        status: Int = 200, xml: String, date: String? = nil, server: String = defaultServer
    ) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(HTTPStatus.reason(for: status))\r\n"
        if let date { head += "Date: \(date)\r\n" }
        head += "Server: \(server)\r\nX-Frame-Options: DENY\r\n"
        head += "Content-Type: application/soap+xml; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n"
        var out = Array(head.utf8)
        let bytes = Array(xml.utf8)
        var i = 0
        while i < bytes.count {
            let n = min(i == 0 ? 0x220 : 0x2FA, bytes.count - i)
            out += Array(hex4(n).utf8) + [0x0D, 0x0A] + bytes[i..<(i + n)] + [0x0D, 0x0A]
            i += n
        }
        return out + Array("0\r\n\r\n".utf8)
    }

    // MARK: Envelope pieces

    private mutating func instanceResponse(
        _ action: String, _ uri: String, _ className: String, _ properties: [(String, WSMANValue)], _ relatesTo: String
    ) -> String {
        let body = Self.instance("g", className, properties, common: "h")
        return self.envelope([uri, WSMANNamespace.common], action, uri, relatesTo, body)
    }

    private static func instance(_ p: String, _ className: String, _ properties: [(String, WSMANValue)], common: String)
        -> String
    {
        var out = "<\(p):\(className)>"
        for (name, value) in properties.sorted(by: { $0.0 < $1.0 }) { out += property(p, name, value, common: common) }
        return out + "</\(p):\(className)>"
    }

    private static func property(_ p: String, _ name: String, _ value: WSMANValue, common: String) -> String {
        let open = "<\(p):\(name)>"
        let close = "</\(p):\(name)>"
        switch value {
        case .text(let t): return open + xmlEscape(t) + close
        case .list(let values): return values.map { open + xmlEscape($0) + close }.joined()
        case .datetime(let d): return open + "<\(common):Datetime>" + xmlEscape(d) + "</\(common):Datetime>" + close
        case .interval(let d): return open + "<\(common):Interval>" + xmlEscape(d) + "</\(common):Interval>" + close
        case .reference(let uri, let selectors):
            var epr =
                "<b:Address>" + WSMANNamespace.anonymous + "</b:Address><b:ReferenceParameters><c:ResourceURI>"
                + xmlEscape(uri) + "</c:ResourceURI><c:SelectorSet>"
            for s in selectors {
                epr += "<c:Selector Name=\"" + xmlEscape(s.name) + "\">" + xmlEscape(s.value) + "</c:Selector>"
            }
            return open + epr + "</c:SelectorSet></b:ReferenceParameters>" + close
        }
    }

    private mutating func envelope(
        _ namespaces: [String], _ action: String, _ resourceURI: String?, _ relatesTo: String, _ body: String
    ) -> String {
        var out =
            #"<?xml version="1.0" encoding="UTF-8"?><a:Envelope xmlns:a="http://www.w3.org/2003/05/soap-envelope" "#
                + #"xmlns:b="http://schemas.xmlsoap.org/ws/2004/08/addressing" "#
                + #"xmlns:c="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" "#
                + #"xmlns:d="http://schemas.xmlsoap.org/ws/2005/02/trust" "#
                + #"xmlns:e="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" "#
                + #"xmlns:f="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd""#
        for (i, ns) in namespaces.enumerated() { out += " xmlns:\(Self.letter(i))=\"" + xmlEscape(ns) + "\"" }
        out += #" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><a:Header><b:To>"# + WSMANNamespace.anonymous
        out += "</b:To><b:RelatesTo>" + xmlEscape(relatesTo) + "</b:RelatesTo><b:Action a:mustUnderstand=\"true\">"
        out += xmlEscape(action) + "</b:Action><b:MessageID>uuid:00000000-8086-8086-8086-"
        let hex = String(self.nextMessageID & 0xFFFF_FFFF_FFFF, radix: 16, uppercase: true)
        out += String(repeating: "0", count: 12 - hex.count) + hex + "</b:MessageID>"
        self.nextMessageID &+= 1
        if let resourceURI { out += "<c:ResourceURI>" + xmlEscape(resourceURI) + "</c:ResourceURI>" }
        return out + "</a:Header><a:Body>" + body + "</a:Body></a:Envelope>"
    }

    /// Namespace letters after the fixed `a`–`f`: 0 → `g`, 1 → `h`, …
    private static func letter(_ i: Int) -> String {
        String(UnicodeScalar(UInt8(0x67 + min(i, 18))))
    }
}

private func hex4(_ n: Int) -> String {
    let h = String(n, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - h.count)) + h
}
