// SPDX-License-Identifier: Apache-2.0

import HTTP
import RPC
import Testing

/// The JSON-RPC 2.0 envelope rules, checked on the exact bytes a client receives.
@Suite struct RPCEnvelopeTests {
    struct Pair: Decodable, Sendable {
        var a: Int
        var b: Int
    }

    static func dispatcher(limits: RPCLimits = RPCLimits(), hits: Gauge = Gauge()) -> RPCDispatcher {
        let d = RPCDispatcher(limits: limits)
        d.register("subtract", params: Pair.self, positional: ["a", "b"]) { _, p in p.a - p.b }
        d.register("echo", params: RPCValue.self) { _, p in p }
        d.register("hello", params: RPCNoParams.self) { _, _ in
            hits.enter()
            hits.leave()
            return "hi"
        }
        return d
    }

    static let invalid = errorJSON(-32600, "Invalid Request")
    static let parseError = errorJSON(-32700, "Parse error")

    static func invalid(_ reason: String, id: String = "null") -> String {
        errorJSON(-32600, "Invalid Request", data: #"{"reason":"\#(reason)"}"#, id: id)
    }

    /// B31: `[]` is one error object (not an array, not silence); `[1]` an array of one.
    @Test func emptyBatchAndBatchOfOneNonObject() async {
        let d = Self.dispatcher()
        #expect(await d.call("[]") == Self.invalid)
        #expect(await d.call(" [ ] ") == Self.invalid)
        #expect(await d.call("[1]") == "[\(Self.invalid)]")
        #expect(await d.call("[1,2,3]") == "[\(Self.invalid),\(Self.invalid),\(Self.invalid)]")
    }

    /// Not JSON → -32700 with id null, whatever the damage.
    @Test(arguments: [
        "{", "", "   ", #"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#,
        #"[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]"#,
        "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}\u{0}",
    ])
    func parseErrors(body: String) async {
        #expect(await Self.dispatcher().call(body) == Self.parseError)
    }

    @Test func invalidUTF8IsAParseError() async {
        let body: [UInt8] = Array(#"{"jsonrpc":"2.0","method":""#.utf8) + [0xFF] + Array(#"","id":1}"#.utf8)
        let out = await Self.dispatcher().handle(body: body, context: context())
        #expect(out.map { String(decoding: $0, as: UTF8.self) } == Self.parseError)
    }

    /// A body that is JSON but neither an object nor an array is one invalid request.
    @Test(arguments: ["1", #""x""#, "null", "true"])
    func scalarBodies(body: String) async {
        #expect(await Self.dispatcher().call(body) == Self.invalid)
    }

    @Test func requestObjectRules() async {
        let d = Self.dispatcher()
        // The JSON-RPC 2.0 specification's own example.
        #expect(
            await d.call(#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#)
                == Self.invalid("method must be a string")
        )
        #expect(
            await d.call(#"{"jsonrpc":"1.0","method":"echo","id":5}"#)
                == Self.invalid(#"jsonrpc must be \"2.0\""#, id: "5")
        )
        #expect(
            await d.call(#"{"method":"echo","id":"a"}"#)
                == Self.invalid(#"jsonrpc must be \"2.0\""#, id: #""a""#)
        )
        #expect(
            await d.call(#"{"jsonrpc":2.0,"method":"echo","id":5}"#)
                == Self.invalid(#"jsonrpc must be \"2.0\""#, id: "5")
        )
        #expect(
            await d.call(#"{"jsonrpc":"2.0","id":5}"#) == Self.invalid("method must be a string", id: "5")
        )
        #expect(
            await d.call(#"{"jsonrpc":"2.0","method":"echo","params":"bar","id":5}"#)
                == Self.invalid("params must be an array or an object", id: "5")
        )
        #expect(
            await d.call(#"{"jsonrpc":"2.0","method":"echo","params":null,"id":5}"#)
                == Self.invalid("params must be an array or an object", id: "5")
        )
        for badID in ["{}", "[1]", "true"] {
            #expect(
                await d.call(#"{"jsonrpc":"2.0","method":"echo","params":[],"id":\#(badID)}"#)
                    == Self.invalid("id must be a string, a number or null")
            )
        }
        // An invalid request gets an answer even without an id.
        #expect(
            await d.call(#"{"jsonrpc":"2.0","method":"echo","params":7}"#)
                == Self.invalid("params must be an array or an object")
        )
        #expect(
            await d.call(#"{"jsonrpc":"2.0","method":"echo","method":"hello","id":1}"#)
                == Self.invalid("duplicate member name")
        )
    }

    /// Ids come back exactly as sent: strings, integers, fractions, huge numbers, null.
    @Test(arguments: [#""abc""#, "0", "-7", "1.50", "12345678901234567890", "1e3", "null", #""\u00e9\n""#])
    func idIsEchoed(id: String) async {
        let body = #"{"jsonrpc":"2.0","method":"echo","params":{"x":[1,"y"]},"id":\#(id)}"#
        let expectedID = id == #""\u00e9\n""# ? #""é\n""# : id
        #expect(
            await Self.dispatcher().call(body)
                == #"{"jsonrpc":"2.0","result":{"x":[1,"y"]},"id":\#(expectedID)}"#
        )
    }

    @Test func methodNotFound() async {
        let d = Self.dispatcher()
        #expect(
            await d.call(#"{"jsonrpc":"2.0","method":"nope","id":"q"}"#)
                == errorJSON(-32601, "Method not found", id: #""q""#)
        )
        #expect(
            await d.call(#"{"jsonrpc":"2.0","method":"rpc.discover","id":1}"#)
                == errorJSON(-32601, "Method not found", id: "1")
        )
        // Notifications get no answer, even for an unknown method.
        #expect(await d.call(#"{"jsonrpc":"2.0","method":"nope"}"#) == nil)
    }

    @Test func notificationsRunWithoutAnswer() async {
        let hits = Gauge()
        let d = Self.dispatcher(hits: hits)
        #expect(await d.call(#"{"jsonrpc":"2.0","method":"hello"}"#) == nil)
        #expect(
            await d.call(
                #"[{"jsonrpc":"2.0","method":"hello"},{"jsonrpc":"2.0","method":"hello","params":[]}]"#
            ) == nil
        )
        #expect(hits.total == 3)
        let http = await d.httpResponse(
            body: Array(#"[{"jsonrpc":"2.0","method":"hello"}]"#.utf8),
            context: context()
        )
        #expect(http.status == 204 && http.body.isEmpty)
        #expect(hits.total == 4)
    }

    /// The specification's mixed batch, adapted: answers in request order, each with its id,
    /// none for notifications.
    @Test func mixedBatch() async {
        let body = """
            [
              {"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": "1"},
              {"jsonrpc": "2.0", "method": "hello", "params": [7]},
              {"jsonrpc": "2.0", "method": "subtract", "params": {"b": 42, "a": 23}, "id": 2},
              {"foo": "boo"},
              {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
              {"jsonrpc": "2.0", "method": "hello", "id": null},
              {"jsonrpc": "2.0", "method": "nope"}
            ]
            """
        let expected = [
            #"{"jsonrpc":"2.0","result":19,"id":"1"}"#,
            #"{"jsonrpc":"2.0","result":-19,"id":2}"#,
            Self.invalid(#"jsonrpc must be \"2.0\""#),
            errorJSON(-32601, "Method not found", id: #""5""#),
            #"{"jsonrpc":"2.0","result":"hi","id":null}"#,
        ]
        #expect(await Self.dispatcher().call(body) == "[" + expected.joined(separator: ",") + "]")
    }

    /// Limits: a batch too long or a body too large is refused whole, with the limit named.
    @Test func limits() async {
        let hits = Gauge()
        let d = Self.dispatcher(limits: RPCLimits(maxRequestBytes: 200, maxBatchSize: 3), hits: hits)
        let member = #"{"jsonrpc":"2.0","method":"hello"}"#
        let four = "[" + Array(repeating: member, count: 4).joined(separator: ",") + "]"
        let tooLong = errorJSON(-32600, "Invalid Request", data: #"{"reason":"batch too large","limit":3}"#)
        #expect(await d.call(four) == tooLong)
        #expect(hits.total == 0)
        let three = "[" + Array(repeating: member, count: 3).joined(separator: ",") + "]"
        #expect(await d.call(three) == nil)
        #expect(hits.total == 3)
        let big =
            #"{"jsonrpc":"2.0","method":"echo","params":[""# + String(repeating: "x", count: 200)
            + #""],"id":1}"#
        #expect(
            await d.call(big)
                == errorJSON(-32600, "Invalid Request", data: #"{"reason":"request too large","limit":200}"#)
        )
    }

    /// Over HTTP every JSON-RPC answer, errors included, is a 200 with a JSON body (B31).
    @Test func httpStatusIsConsistent() async {
        let d = Self.dispatcher()
        for body in ["[]", "[1]", "{", #"{"jsonrpc":"2.0","method":"nope","id":1}"#] {
            let r = await d.httpResponse(body: Array(body.utf8), context: context())
            #expect(r.status == 200)
            #expect(r.headers["Content-Type"] == "application/json")
            #expect(r.bodyText == (await d.call(body)))
        }
    }

    /// Request and response values serialise to the exact envelope and parse back.
    @Test func encodingAndClientParsing() throws {
        #expect(
            String(
                decoding: RPCRequest.notification("devices.changed", params: .object(["guid": "g"]))
                    .serialized(),
                as: UTF8.self
            )
                == #"{"jsonrpc":"2.0","method":"devices.changed","params":{"guid":"g"}}"#
        )
        #expect(
            String(decoding: RPCRequest(method: "m", params: [1], id: .int(3)).serialized(), as: UTF8.self)
                == #"{"jsonrpc":"2.0","method":"m","params":[1],"id":3}"#
        )
        let batch = RPCResponse.serialized(batch: [
            RPCResponse(id: .string("a"), result: .object(["ok": true])),
            RPCResponse(id: .null, error: .invalidParams(field: "guid", reason: "missing")),
        ])
        let text =
            #"[{"jsonrpc":"2.0","result":{"ok":true},"id":"a"},"#
            + #"{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","#
            + #""data":{"field":"guid","reason":"missing"}},"id":null}]"#
        #expect(String(decoding: batch, as: UTF8.self) == text)
        guard case .batch(let parsed) = try RPCResponse.parse(batch) else {
            Issue.record("not a batch")
            return
        }
        #expect(parsed.map(\.id) == [.string("a"), .null])
        #expect(parsed[1].error?.code == .invalidParams)
        #expect(parsed[1].error?.data?["field"] == "guid")
    }

    @Test(arguments: [
        (
            #"{"jsonrpc":"2.0","id":1}"#,
            RPCResponseParseError.invalid("needs exactly one of result and error")
        ),
        (
            #"{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"m"},"id":1}"#,
            .invalid("needs exactly one of result and error")
        ),
        (#"{"jsonrpc":"2.0","result":1}"#, .invalid("bad or missing id")),
        (
            #"{"jsonrpc":"2.0","error":{"code":1.5,"message":"m"},"id":1}"#,
            .invalid("error code is not an integer")
        ),
        (#"{"jsonrpc":"2.0","error":{"code":1},"id":1}"#, .invalid("error message is not a string")),
        (#"{"result":1,"id":1}"#, .invalid("jsonrpc is not \"2.0\"")),
        ("[]", .invalid("empty batch")),
        ("[", .json(.unexpectedEnd)),
    ])
    func clientParsingRefusesBadResponses(text: String, expected: RPCResponseParseError) {
        #expect(throws: expected) { try RPCResponse.parse(Array(text.utf8)) }
    }
}
