// SPDX-License-Identifier: Apache-2.0

import Foundation
import RPC
import Testing
import TestSupport

private func parse(_ text: String) throws(RPCJSONError) -> RPCValue {
    try RPCValue.parse(Array(text.utf8))
}

private func parseError(_ bytes: [UInt8], maxDepth: Int = RPCValue.defaultMaxDepth) -> RPCJSONError? {
    do {
        _ = try RPCValue.parse(bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

@Suite struct RPCValueTests {
    /// Order, number text and escapes survive a parse/serialize round trip.
    @Test func roundTripKeepsOrderAndNumberText() throws {
        let text =
            #"{"z":1.50,"a":[true,false,null,-0,1e+5,12345678901234567890],"#
            + #""s":"a\"b\\c\n\u0001/é😀"}"#
        let value = try parse(text)
        #expect(value["z"] == .number("1.50"))
        #expect(value["a"]?[5] == .number("12345678901234567890"))
        #expect(value["s"]?.stringValue == "a\"b\\c\n\u{1}/é😀")
        #expect(value.jsonText == text)
    }

    /// Escapes decode to the characters they name, including a surrogate pair.
    @Test func escapesDecode() throws {
        let value = try parse(#" "\/\b\f\n\r\t\u00e9\uD83D\uDE00" "#)
        #expect(value == .string("/\u{8}\u{C}\n\r\té😀"))
        #expect(RPCValue.string("\u{8}\u{1F}\t").jsonText == #""\u0008\u001f\t""#)
    }

    @Test(arguments: [
        ("", RPCJSONError.unexpectedEnd),
        ("{", .unexpectedEnd),
        ("[1,", .unexpectedEnd),
        ("[1,]", .unexpectedByte(offset: 3)),
        ("{\"a\" 1}", .unexpectedByte(offset: 5)),
        ("{\"a\":1,}", .unexpectedByte(offset: 7)),
        ("{'a':1}", .unexpectedByte(offset: 1)),
        ("tru", .unexpectedEnd),
        ("nul1", .unexpectedByte(offset: 3)),
        ("01", .trailingData(offset: 1)),
        ("1.", .invalidNumber(offset: 0)),
        ("-", .unexpectedEnd),
        ("-a", .invalidNumber(offset: 0)),
        ("1e", .invalidNumber(offset: 0)),
        (".5", .unexpectedByte(offset: 0)),
        ("+1", .unexpectedByte(offset: 0)),
        ("NaN", .unexpectedByte(offset: 0)),
        ("\"a\tb\"", .invalidString(offset: 2)),
        (#""\x""#, .invalidString(offset: 1)),
        (#""\uD800""#, .invalidString(offset: 1)),
        (#""\uDC00""#, .invalidString(offset: 1)),
        (#""\uD800\u0041""#, .invalidString(offset: 1)),
        (#""\u12G4""#, .invalidString(offset: 5)),
        ("{\"a\":1,\"a\":2}", .duplicateName(offset: 7)),
        ("[1] [2]", .trailingData(offset: 4)),
        ("\u{FEFF}[]", .unexpectedByte(offset: 0)),
    ])
    func malformedInputIsRefused(text: String, expected: RPCJSONError) {
        #expect(parseError(Array(text.utf8)) == expected)
    }

    /// Invalid UTF-8 inside a string, and any non-ASCII byte outside one, are errors.
    @Test func invalidUTF8IsRefused() {
        #expect(parseError([0x22, 0xC3, 0x28, 0x22]) == .invalidString(offset: 0))
        #expect(parseError([0x22, 0xED, 0xA0, 0x80, 0x22]) == .invalidString(offset: 0))
        #expect(parseError([0x5B, 0xFF, 0x5D]) == .unexpectedByte(offset: 1))
    }

    /// Nesting is bounded, so 100,000 brackets cannot exhaust the stack.
    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try RPCValue.parse(Array(ok.utf8), maxDepth: 64).jsonText == ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseError(Array(deep.utf8), maxDepth: 64) == .nestingTooDeep(offset: 64))
        let hostile = [UInt8](repeating: UInt8(ascii: "{"), count: 100_000)
        #expect(parseError(hostile) == .unexpectedByte(offset: 1))
        let hostileArrays = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(parseError(hostileArrays) == .nestingTooDeep(offset: 64))
    }

    /// Every prefix of a valid document is refused with an error, never a crash.
    @Test func everyTruncationFails() {
        let bytes = Array(#"{"jsonrpc":"2.0","method":"a\u00e9","params":[1.5e-3,{"k":null}],"id":"x"}"#.utf8)
        for n in 0..<bytes.count {
            #expect(parseError(Array(bytes[..<n])) != nil, "prefix of \(n) bytes")
        }
        #expect(parseError(bytes) == nil)
    }

    struct Sample: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double
        var tags: [String]
        var nested: [String: Bool]
    }

    /// Encodable values become RPCValue (keys sorted) and decode back.
    @Test func codableBridging() throws {
        let sample = Sample(name: "a/b", count: 3, ratio: 0.5, tags: ["x"], nested: ["k": true])
        let value = try RPCValue(encoding: sample)
        #expect(value.jsonText == #"{"count":3,"name":"a/b","nested":{"k":true},"ratio":0.5,"tags":["x"]}"#)
        #expect(try value.decode(Sample.self) == sample)
        // RPCValue as a Codable member (free-form JSON inside typed params).
        struct Wrapper: Codable { var b: RPCValue }
        let wrapped = try parse(#"{"b":[1,2.5,"s",null,false,{"y":1,"x":[]}]}"#).decode(Wrapper.self)
        #expect(wrapped.b.jsonText == #"[1,2.5,"s",null,false,{"y":1,"x":[]}]"#)
        // RPCValue's own Decodable conformance, under JSONDecoder (object keys come out sorted).
        let viaFoundation = try JSONDecoder().decode(
            Wrapper.self,
            from: Data(#"{"b":[1,2.5,{"y":1,"x":[]}]}"#.utf8)
        )
        #expect(viaFoundation.b.jsonText == #"[1,2.5,{"x":[],"y":1}]"#)
        #expect(try RPCValue(encoding: wrapped).jsonText == #"{"b":[1,2.5,"s",null,false,{"x":[],"y":1}]}"#)
    }

    /// Random byte mutations of a request never crash the parser; whatever parses
    /// round-trips to the same value.
    @Test func mutatedInputNeverCrashes() throws {
        let seed = Array(
            #"[{"jsonrpc":"2.0","method":"m","params":{"a":[1,-2.5e3,"\u00e9"]},"id":7},1]"#.utf8
        )
        let alphabet = Array(#"{}[]",:\u0-9eE.+ -truefalsnl"#.utf8) + [0x00, 0xC3, 0xFF]
        var rng = SplitMix64(seed: 4)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = alphabet.randomElement(using: &rng)!
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                }
                if bytes.isEmpty { bytes = [0x20] }
            }
            guard let value = try? RPCValue.parse(bytes) else { continue }
            parsed += 1
            #expect(try RPCValue.parse(value.serialized()) == value)
            _ = RPCInbound.parse(bytes)
        }
        #expect(parsed > 100)
    }
}
