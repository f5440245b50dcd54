// SPDX-License-Identifier: Apache-2.0

/// A small, strict XML 1.0 reader for complete SOAP documents, building ``SOAPElement`` trees.
///
/// It handles what AMT and WS-MAN clients write: an optional XML declaration, namespaces
/// (default and prefixed, scoped per element), attributes in either quote, the five
/// predefined entities and character references, CDATA sections, comments, processing
/// instructions and self-closing tags. Anything else is an error, never a crash: a DOCTYPE
/// (SOAP forbids it, which rules out entity expansion), an undefined entity or namespace
/// prefix, mismatched or missing end tags, duplicate attributes, `<` in an attribute value,
/// text outside the root element, invalid UTF-8 or another declared encoding, and documents
/// deeper than ``SOAPElement/maxDepth`` or with more than ``SOAPElement/maxElements`` elements.
/// Character data is kept verbatim except that line ends become `\n`, as XML requires.
struct XMLReader {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0

    struct Binding {
        let prefix: Range<Int>?  // nil: the default namespace
        let uri: String?  // nil: no namespace (xmlns="")
    }

    private struct Open {
        var element: SOAPElement
        let qname: Range<Int>
        let bindings: Int
    }

    var bindings: [Binding] = []
    private var stack: [Open] = []
    private var count = 0

    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    private init(_ buffer: UnsafeBufferPointer<UInt8>) { self.b = buffer }

    static func parse(_ bytes: [UInt8]) throws(WSMANError) -> SOAPElement {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .malformed("not well-formed XML (invalid UTF-8)")
        }
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<SOAPElement, WSMANError> in
            var reader = XMLReader(buffer)
            do throws(WSMANError) {
                return .success(try reader.document())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func bad(_ why: String) -> WSMANError { .malformed("not well-formed XML (\(why))") }

    // MARK: document structure

    private mutating func document() throws(WSMANError) -> SOAPElement {
        if self.b.count >= 3 && self.b[0] == 0xEF && self.b[1] == 0xBB && self.b[2] == 0xBF { self.i = 3 }
        if self.startsWith("<?xml") && self.b.count > self.i + 5 && Self.isSpace(self.b[self.i + 5]) {
            try self.declaration()
        }
        var root: SOAPElement?
        while self.i < self.b.count {
            let c = self.b[self.i]
            if c == 0x3C {  // <
                if self.startsWith("<!--") {
                    try self.comment()
                } else if self.startsWith("<?") {
                    try self.processingInstruction()
                } else if self.startsWith("<!") {
                    if self.startsWith("<!DOCTYPE") { throw .malformed("document type declarations are not allowed") }
                    throw Self.bad("markup outside the root element")
                } else if root != nil {
                    throw Self.bad("content after the root element")
                } else {
                    root = try self.element()
                }
            } else if Self.isSpace(c) {
                self.i += 1
            } else {
                throw Self.bad("text outside the root element")
            }
        }
        guard let root else { throw Self.bad("no root element") }
        return root
    }

    private mutating func declaration() throws(WSMANError) {
        guard let end = self.find("?>", from: self.i) else { throw Self.bad("unterminated declaration") }
        if let at = self.find("encoding", from: self.i), at < end {
            var j = at + 8
            while j < end && (Self.isSpace(self.b[j]) || self.b[j] == 0x3D) { j += 1 }
            guard j < end, self.b[j] == 0x22 || self.b[j] == 0x27 else { throw Self.bad("bad declaration") }
            let quote = self.b[j]
            let start = j + 1
            j = start
            while j < end && self.b[j] != quote { j += 1 }
            let name = String(decoding: self.b[start..<j], as: UTF8.self).lowercased()
            guard name == "utf-8" || name == "utf8" || name == "us-ascii" else {
                throw .malformed("unsupported XML encoding")
            }
        }
        self.i = end + 2
    }

    private mutating func comment() throws(WSMANError) {
        guard let end = self.find("--", from: self.i + 4) else { throw Self.bad("unterminated comment") }
        guard end + 2 < self.b.count, self.b[end + 2] == 0x3E else { throw Self.bad("-- inside a comment") }
        self.i = end + 3
    }

    private mutating func processingInstruction() throws(WSMANError) {
        guard let end = self.find("?>", from: self.i + 2) else { throw Self.bad("unterminated instruction") }
        let target = self.i + 2
        guard target < end, Self.isNameStart(self.b[target]) else { throw Self.bad("bad instruction") }
        if end - target >= 3, self.b[target] | 0x20 == 0x78, self.b[target + 1] | 0x20 == 0x6D,
            self.b[target + 2] | 0x20 == 0x6C, end - target == 3 || Self.isSpace(self.b[target + 3])
        {
            throw Self.bad("misplaced XML declaration")
        }
        self.i = end + 2
    }

    /// Reads one element and everything inside it, iteratively (no recursion on depth).
    private mutating func element() throws(WSMANError) -> SOAPElement {
        let root = try self.startTag()
        if root.selfClosing { return root.open.element }
        self.stack.append(root.open)
        // Only the top's qname is read here: holding a copy of the top element would make
        // every append below copy its children.
        while !self.stack.isEmpty {
            guard self.i < self.b.count else { throw Self.bad("missing end tag") }
            if self.b[self.i] != 0x3C {
                try self.text()
            } else if self.startsWith("</") {
                try self.endTag(self.stack[self.stack.count - 1].qname)
                let done = self.stack.removeLast()
                self.bindings.removeLast(self.bindings.count - done.bindings)
                if self.stack.isEmpty { return done.element }
                self.stack[self.stack.count - 1].element.children.append(done.element)
            } else if self.startsWith("<!--") {
                try self.comment()
            } else if self.startsWith("<![CDATA[") {
                let start = self.i + 9
                guard let end = self.find("]]>", from: start) else { throw Self.bad("unterminated CDATA") }
                self.stack[self.stack.count - 1].element.text += Self.string(self.b[start..<end])
                self.i = end + 3
            } else if self.startsWith("<?") {
                try self.processingInstruction()
            } else if self.startsWith("<!") {
                if self.startsWith("<!DOCTYPE") { throw .malformed("document type declarations are not allowed") }
                throw Self.bad("unexpected markup")
            } else {
                let next = try self.startTag()
                if next.selfClosing {
                    self.stack[self.stack.count - 1].element.children.append(next.open.element)
                } else {
                    self.stack.append(next.open)
                }
            }
        }
        throw Self.bad("unbalanced document")
    }

    /// `<name attr="v" …>` or `<name …/>`. A self-closed element's namespace bindings are
    /// already out of scope when this returns.
    private mutating func startTag() throws(WSMANError) -> (open: Open, selfClosing: Bool) {
        self.count += 1
        guard self.stack.count < SOAPElement.maxDepth, self.count <= SOAPElement.maxElements else {
            throw .malformed("document too deep or too large")
        }
        self.i += 1
        let qname = try self.name()
        let outer = self.bindings.count
        var attributes: [(name: Range<Int>, value: String)] = []
        var selfClosing = false
        while true {
            let spaced = self.skipSpace()
            guard self.i < self.b.count else { throw Self.bad("unterminated start tag") }
            let c = self.b[self.i]
            if c == 0x3E {
                self.i += 1
                break
            }
            if c == 0x2F {
                guard self.i + 1 < self.b.count, self.b[self.i + 1] == 0x3E else { throw Self.bad("bad tag end") }
                self.i += 2
                selfClosing = true
                break
            }
            guard spaced else { throw Self.bad("attributes need white space between them") }
            let name = try self.name()
            self.skipSpace()
            guard self.i < self.b.count, self.b[self.i] == 0x3D else { throw Self.bad("attribute without =") }
            self.i += 1
            self.skipSpace()
            let value = try self.attributeValue()
            if attributes.contains(where: { self.same($0.name, name) }) { throw Self.bad("duplicate attribute") }
            attributes.append((name, value))
        }
        var kept: [SOAPAttribute] = []
        for a in attributes {
            if self.equals(a.name, "xmlns") {
                self.bindings.append(Binding(prefix: nil, uri: a.value.isEmpty ? nil : a.value))
            } else if self.hasPrefix(a.name, "xmlns:") {
                guard !a.value.isEmpty else { throw Self.bad("empty namespace for a prefix") }
                self.bindings.append(Binding(prefix: (a.name.lowerBound + 6)..<a.name.upperBound, uri: a.value))
            } else {
                if let colon = self.b[a.name].firstIndex(of: 0x3A) {
                    _ = try self.resolve(a.name.lowerBound..<colon)
                }
                kept.append(SOAPAttribute(qualifiedName: Self.string(self.b[a.name]), value: a.value))
            }
        }
        if kept.count > 1 { kept.sort { $0.qualifiedName < $1.qualifiedName } }
        let colon = self.b[qname].firstIndex(of: 0x3A)
        let local = colon.map { ($0 + 1)..<qname.upperBound } ?? qname
        let namespace = try self.resolve(colon.map { qname.lowerBound..<$0 })
        let element = SOAPElement(name: Self.string(self.b[local]), namespace: namespace, attributes: kept)
        if selfClosing { self.bindings.removeLast(self.bindings.count - outer) }
        return (Open(element: element, qname: qname, bindings: outer), selfClosing)
    }

    private mutating func endTag(_ qname: Range<Int>) throws(WSMANError) {
        self.i += 2
        let name = try self.name()
        guard self.same(name, qname) else { throw Self.bad("mismatched end tag") }
        self.skipSpace()
        guard self.i < self.b.count, self.b[self.i] == 0x3E else { throw Self.bad("bad end tag") }
        self.i += 1
    }

    /// Character data up to the next `<`, with references replaced and line ends normalised.
    private mutating func text() throws(WSMANError) {
        let start = self.i
        var plain = true
        while self.i < self.b.count && self.b[self.i] != 0x3C {
            let c = self.b[self.i]
            if c == 0x26 || c == 0x0D { plain = false }
            if c == 0x3E && self.i >= start + 2 && self.b[self.i - 1] == 0x5D && self.b[self.i - 2] == 0x5D {
                throw Self.bad("]]> in character data")
            }
            self.i += 1
        }
        let run = try plain ? Self.string(self.b[start..<self.i]) : self.decode(start..<self.i, attribute: false)
        self.stack[self.stack.count - 1].element.text += run
    }

    private mutating func attributeValue() throws(WSMANError) -> String {
        guard self.i < self.b.count, self.b[self.i] == 0x22 || self.b[self.i] == 0x27 else {
            throw Self.bad("unquoted attribute value")
        }
        let quote = self.b[self.i]
        let start = self.i + 1
        var j = start
        var plain = true
        while j < self.b.count && self.b[j] != quote {
            let c = self.b[j]
            if c == 0x3C { throw Self.bad("< in an attribute value") }
            if c == 0x26 || c < 0x20 { plain = false }
            j += 1
        }
        guard j < self.b.count else { throw Self.bad("unterminated attribute value") }
        self.i = j + 1
        return plain ? Self.string(self.b[start..<j]) : try self.decode(start..<j, attribute: true)
    }

    /// Replaces entity and character references; in attributes white space becomes a space.
    private func decode(_ range: Range<Int>, attribute: Bool) throws(WSMANError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var j = range.lowerBound
        while j < range.upperBound {
            let c = self.b[j]
            if c == 0x26 {
                guard let semi = self.b[j..<range.upperBound].firstIndex(of: 0x3B), semi > j + 1 else {
                    throw Self.bad("bad reference")
                }
                let ref = self.b[(j + 1)..<semi]
                try Self.appendReference(ref, to: &out)
                j = semi + 1
                continue
            }
            if c == 0x0D {
                out.append(attribute ? 0x20 : 0x0A)
                if j + 1 < range.upperBound && self.b[j + 1] == 0x0A { j += 1 }
            } else if attribute && (c == 0x09 || c == 0x0A) {
                out.append(0x20)
            } else {
                out.append(c)
            }
            j += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendReference(_ ref: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8])
        throws(WSMANError)
    {
        let name = String(decoding: ref, as: UTF8.self)
        switch name {
        case "lt": out.append(0x3C)
        case "gt": out.append(0x3E)
        case "amp": out.append(0x26)
        case "apos": out.append(0x27)
        case "quot": out.append(0x22)
        default:
            var digits = Substring(name)
            guard digits.first == "#" else { throw .malformed("undefined entity") }
            digits = digits.dropFirst()
            var radix = 10
            if digits.first == "x" {
                radix = 16
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.count <= 8, let value = UInt32(digits, radix: radix),
                let scalar = Unicode.Scalar(value), Self.isXMLChar(value)
            else { throw Self.bad("bad character reference") }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
    }

    private static func isXMLChar(_ v: UInt32) -> Bool {
        v == 0x09 || v == 0x0A || v == 0x0D || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD)
            || (v >= 0x10000 && v <= 0x10FFFF)
    }
}
