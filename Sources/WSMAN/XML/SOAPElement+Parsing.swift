// SPDX-License-Identifier: Apache-2.0

internal import Foundation
internal import FoundationXML

extension SOAPElement {
    /// Limits that keep a hostile document from costing more than a bounded amount of memory.
    static let maxDepth = 64
    static let maxElements = 200_000

    /// Parses one XML document with namespace processing.
    ///
    /// Documents with a DOCTYPE are refused outright: SOAP 1.2 Part 1 §5 forbids a document
    /// type declaration, and refusing it rules out entity-expansion and external-entity attacks.
    /// - Throws: ``WSMANError/malformed(_:)`` naming the first problem (never echoing content).
    public static func parse(_ bytes: [UInt8]) throws(WSMANError) -> SOAPElement {
        if containsDoctype(bytes) { throw .malformed("document type declarations are not allowed") }
        let delegate = TreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let ok = parser.parse()
        if let failure = delegate.failure { throw .malformed(failure) }
        // XMLParser on Linux can return true yet record an error for an unbalanced document.
        guard ok, parser.parserError == nil, let root = delegate.root else {
            throw .malformed("not well-formed XML")
        }
        return root
    }

    private static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        let pattern = Array("<!DOCTYPE".utf8)
        guard bytes.count >= pattern.count else { return false }
        for i in 0...(bytes.count - pattern.count) where bytes[i] == 0x3C && bytes[i + 1] == 0x21 {
            var match = true
            for j in 2..<pattern.count where bytes[i + j] & 0xDF != pattern[j] {
                match = false
                break
            }
            if match { return true }
        }
        return false
    }
}

/// Builds the tree from XMLParser callbacks. Used on one thread for one parse only.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [SOAPElement] = []
    var root: SOAPElement?
    var failure: String?
    var count = 0

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        self.count += 1
        if self.stack.count >= SOAPElement.maxDepth || self.count > SOAPElement.maxElements {
            self.failure = "document too deep or too large"
            parser.abortParsing()
            return
        }
        let attributes = attributeDict.sorted { $0.key < $1.key }.map {
            SOAPAttribute(qualifiedName: $0.key, value: $0.value)
        }
        let ns = (namespaceURI?.isEmpty ?? true) ? nil : namespaceURI
        self.stack.append(SOAPElement(name: elementName, namespace: ns, attributes: attributes))
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        guard let done = self.stack.popLast() else { return }
        if self.stack.isEmpty {
            self.root = done
        } else {
            self.stack[self.stack.count - 1].children.append(done)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !self.stack.isEmpty else { return }
        self.stack[self.stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !self.stack.isEmpty else { return }
        self.stack[self.stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if self.failure == nil { self.failure = "not well-formed XML" }
    }
}
