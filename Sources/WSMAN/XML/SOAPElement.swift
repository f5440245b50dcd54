// SPDX-License-Identifier: Apache-2.0

/// One attribute of a ``SOAPElement``: its qualified name as written and its value.
public struct SOAPAttribute: Sendable, Equatable {
    public var qualifiedName: String
    public var value: String

    /// The name without its prefix (`mustUnderstand` for `a:mustUnderstand`).
    public var localName: Substring {
        self.qualifiedName.split(separator: ":", maxSplits: 1).last ?? Substring(self.qualifiedName)
    }
}

/// A parsed XML element: local name, namespace URI, attributes, character data and children.
///
/// Elements are matched by local name plus namespace, never by prefix, because AMT assigns
/// prefixes per response (wsman.md §1.5) and requests mix default and prefixed namespaces.
/// ``text`` is the element's own character data, kept verbatim (AMT values can end in spaces).
public struct SOAPElement: Sendable, Equatable {
    public var name: String
    public var namespace: String?
    public var attributes: [SOAPAttribute]
    public var text: String
    public var children: [SOAPElement]

    public init(
        name: String, namespace: String? = nil, attributes: [SOAPAttribute] = [], text: String = "",
        children: [SOAPElement] = []
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    /// The first child with local name `name` (and namespace, when given).
    public func child(_ name: String, namespace: String? = nil) -> SOAPElement? {
        self.children.first { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// Every child with local name `name` (and namespace, when given).
    public func children(named name: String, namespace: String? = nil) -> [SOAPElement] {
        self.children.filter { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// The value of the attribute whose local name is `name`.
    public func attribute(_ name: String) -> String? {
        self.attributes.first { $0.localName == name }?.value
    }

    /// Follows a path of local names (`["Body", "PullResponse", "Items"]`).
    public func descendant(_ path: [String]) -> SOAPElement? {
        var current = self
        for step in path {
            guard let next = current.child(step) else { return nil }
            current = next
        }
        return current
    }

    /// Text with surrounding whitespace removed (pretty-printed captures indent values).
    /// ASCII whitespace is skipped on the UTF-8 bytes; an end that then starts with a
    /// non-ASCII character goes through `Character.isWhitespace` (U+00A0, U+2028, …).
    public var trimmedText: String {
        let utf8 = self.text.utf8
        func ascii(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, ascii(utf8[start]) { start = utf8.index(after: start) }
        while end > start, ascii(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        if start == utf8.startIndex && end == utf8.endIndex && (utf8.first ?? 0) < 0x80
            && (utf8.last ?? 0) < 0x80
        {
            return self.text
        }
        var rest = Substring(self.text[start..<end])
        if let f = rest.utf8.first, f >= 0x80 { rest = rest.drop { $0.isWhitespace } }
        if let l = rest.utf8.last, l >= 0x80 {
            while let c = rest.last, c.isWhitespace { rest.removeLast() }
        }
        return String(rest)
    }
}
