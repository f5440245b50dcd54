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
    public var trimmedText: String {
        String(self.text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
