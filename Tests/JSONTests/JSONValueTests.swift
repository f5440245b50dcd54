import Foundation
import JSON
import Testing

@Suite struct JSONValueTests {
    @Test func parsesAndSerialisesKeepingOrderAndNumberText() throws {
        let text = #"{"b":1,"a":[true,false,null],"n":-12.50e3,"big":12345678901234567890,"s":"x\"y"}"#
        let value = try JSONValue.parse(text)
        #expect(value.members?.map(\.key) == ["b", "a", "n", "big", "s"])
        #expect(value["big"] == .number("12345678901234567890"))
        #expect(value["s"]?.stringValue == "x\"y")
        #expect(value.serialized() == text)
    }

    @Test func escapesAndUnicode() throws {
        let value = try JSONValue.parse(#"["\u00e9\ud83d\ude00\n\/"]"#)
        #expect(value[0]?.stringValue == "é😀\n/")
        #expect(JSONValue.string("a\u{1}b\u{2028}").serialized() == #""a\u0001b\u2028""#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\\x\"", "\"\u{1}\"",
        "[1] 2", "{'a':1}", "\"\\ud800\"", "\"\\udc00x\"", "NaN", "// c\n1",
    ])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        #expect((try? JSONValue.parse(String(repeating: "[", count: 10) + String(repeating: "]", count: 10))) != nil)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func literalsAndSubscriptEditing() {
        var v: JSONValue = ["z": 1, "a": "x", "list": [1, 2.5, nil]]
        #expect(v.serialized() == #"{"z":1,"a":"x","list":[1,2.5,null]}"#)
        v["a"] = nil
        v["new"] = true
        #expect(v.serialized() == #"{"z":1,"list":[1,2.5,null],"new":true}"#)
        #expect(JSONValue.double(.nan) == .null)
        #expect(JSONValue.int(-3).intValue == -3)
    }

    @Test func codableRoundTrip() throws {
        let v: JSONValue = ["fw": "16.1", "n": 7, "f": 1.5, "ok": true, "none": nil, "l": [1]]
        let data = try JSONEncoder().encode(v)
        let back = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(back.dictionary == v.dictionary)
    }

    /// Many distinct keys (a hostile 1 MB body) parse, in order, with a late duplicate
    /// replacing the first value in place; the index must behave like the linear search.
    @Test func manyKeysAndLateDuplicates() throws {
        var text = "{"
        for i in 0..<100_000 { text += "\"k\(i)\":\(i)," }
        text += "\"k3\":\"again\",\"k99999\":true}"
        let value = try JSONValue.parse(text)
        let members = try #require(value.members)
        #expect(members.count == 100_000)
        #expect(members[3].key == "k3" && members[3].value == .string("again"))
        #expect(value["k99999"] == .bool(true))
        #expect(value["k42"] == .int(42))
        let small = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(small.serialized() == #"{"a":3,"b":2}"#)
    }
}
