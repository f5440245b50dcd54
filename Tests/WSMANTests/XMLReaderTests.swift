// SPDX-License-Identifier: Apache-2.0

import Testing
@testable import WSMAN
import TestSupport

/// The XML reader behind every WS-MAN parse (server and simulator).
@Suite struct XMLReaderTests {
    private func parse(_ text: String) throws -> SOAPElement { try SOAPElement.parse(Array(text.utf8)) }

    @Test func namespacesResolveByScopeNotPrefix() throws {
        let doc = """
            <?xml version="1.0" encoding="UTF-8"?><a:E xmlns:a="urn:a" xmlns="urn:d">\
            <B><a:C xmlns:a="urn:other">x</a:C><D xmlns="">y</D></B><a:F/></a:E>
            """
        let root = try parse(doc)
        #expect(root.name == "E" && root.namespace == "urn:a")
        let b = try #require(root.child("B", namespace: "urn:d"))
        #expect(b.child("C", namespace: "urn:other")?.text == "x")
        #expect(b.child("D")?.namespace == nil && b.child("D")?.text == "y")
        // The redefinition of a: ended with a:C.
        #expect(root.child("F", namespace: "urn:a") != nil)
    }

    @Test func entitiesCharacterReferencesAndCDATA() throws {
        let root = try parse(
            #"<r k="a&amp;b &quot;c&quot; &#x41;&#66;">&lt;x&gt; &apos;&#233;&#x1F600;<![CDATA[<raw & "kept">]]></r>"#)
        #expect(root.attribute("k") == #"a&b "c" AB"#)
        #expect(root.text == "<x> 'é😀<raw & \"kept\">")
    }

    @Test func selfClosingCommentsInstructionsAndVerbatimText() throws {
        let root = try parse("\u{FEFF}<!-- c --><r><e   /><?pi data?><e a='1'/><!-- x -->  v  </r>\n")
        #expect(root.children.count == 2 && root.children[1].attribute("a") == "1")
        #expect(root.text == "  v  ")
        #expect(try parse("<r>a\r\nb\rc</r>").text == "a\nb\nc")
        #expect(try parse("<r/>").children.isEmpty)
    }

    @Test func attributesKeepQualifiedNamesAndDropDeclarations() throws {
        let root = try parse(#"<r xmlns:b="urn:b" b:mustUnderstand="true" Name="x"/>"#)
        #expect(root.attributes.map(\.qualifiedName) == ["Name", "b:mustUnderstand"])
        #expect(root.attribute("mustUnderstand") == "true")
    }

    /// Each of these is refused with an error.
    @Test(arguments: [
        "", "   ", "text", "<r>", "<r></s>", "<r><a></r></a>", "<r/><r/>", "<r/>x", "x<r/>",
        "<r a='1' a='2'/>", "<r a=1/>", "<r a='<'/>", "<r a='1'b='2'/>", "<r>&unknown;</r>", "<r>&#0;</r>",
        "<r>&amp</r>", "<p:r/>", "<r p:a='1'/>", "<r xmlns:p=''/>", "<:r/>", "<r:/>", "<a:b:c/>",
        "<r><!-- a -- b --></r>", "<r><![CDATA[x</r>", "<r>]]></r>", "<?xml version='1.0' encoding='UTF-16'?><r/>",
        " <?xml version='1.0'?><r/>", "<r><?xml version='1.0'?></r>", "<r><!ELEMENT r ANY></r>",
        "<!DOCTYPE r><r/>", "<r><!DOCTYPE r></r>", "<1r/>", "<r", "<r a='1", "</r>",
    ])
    func malformedDocumentsAreErrors(_ doc: String) {
        #expect(throws: WSMANError.self) { try parse(doc) }
    }

    @Test func invalidUTF8IsAnError() {
        let bytes = Array("<r>".utf8) + [0xC3, 0x28] + Array("</r>".utf8)
        #expect(throws: WSMANError.self) { try SOAPElement.parse(bytes) }
    }

    /// Every cut of a capture before its last `>` is an error, never a crash or a partial tree.
    @Test func everyTruncationOfACaptureIsAnError() throws {
        let bytes = try Fixtures.bytes("CIM_Card-Get.xml")
        let end = try #require(bytes.lastIndex(of: 0x3E))
        for cut in 0..<end {
            #expect(throws: WSMANError.self) { try SOAPElement.parse(Array(bytes[..<cut])) }
        }
        #expect(try SOAPElement.parse(Array(bytes[...end])) == (try SOAPElement.parse(bytes)))
    }

    /// Corrupting single bytes of a capture gives a tree or an error, never a crash.
    @Test func corruptedBytesNeverCrash() throws {
        let bytes = try Fixtures.bytes("CIM_SoftwareIdentity-Enumerate.xml")
        var rng = SplitMix64(seed: 0x5EED)
        let specials: [UInt8] = [0x3C, 0x3E, 0x26, 0x2F, 0x22, 0x3A, 0x3D, 0x00, 0xFF, 0x20]
        var errors = 0
        for _ in 0..<2000 {
            var copy = bytes
            let at = Int(rng.next() % UInt64(copy.count))
            copy[at] = specials[Int(rng.next() % UInt64(specials.count))]
            do { _ = try SOAPElement.parse(copy) } catch { errors += 1 }
        }
        #expect(errors > 0)
    }

    @Test func depthAndSizeAreBounded() {
        let deep = String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)
        #expect(throws: WSMANError.malformed("document too deep or too large")) { try parse(deep) }
        let ok = String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)
        #expect(throws: Never.self) { try parse(ok) }
        let wide = "<r>" + String(repeating: "<a/>", count: SOAPElement.maxElements) + "</r>"
        #expect(throws: WSMANError.malformed("document too deep or too large")) { try parse(wide) }
    }
}

