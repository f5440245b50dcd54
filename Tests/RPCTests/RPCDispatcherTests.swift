// SPDX-License-Identifier: Apache-2.0

import Foundation
import RPC
import Testing

/// Typed params, handler error mapping and batch concurrency.
@Suite struct RPCDispatcherTests {
    struct PowerParams: Decodable, Sendable {
        struct Options: Decodable, Sendable {
            var force: Bool
        }
        var guid: String
        var action: Int
        var tags: [String]?
        var options: Options?
    }

    struct PowerResult: Encodable, Sendable {
        var returnValue: Int
        var guid: String
    }

    struct ConfigParams: Decodable, Sendable {
        enum Mode: String, Decodable, Sendable { case kvm, sol }
        struct Item: Decodable, Sendable { var name: String }
        var level: UInt8
        var mode: Mode
        var items: [Item]
        var note: String?
    }

    /// A params type whose decoder validates a value itself.
    struct Port: Decodable, Sendable {
        var port: Int
        init(from decoder: any Decoder) throws {
            enum Keys: String, CodingKey { case port }
            self.port = try decoder.container(keyedBy: Keys.self).decode(Int.self, forKey: .port)
            guard (1...65535).contains(self.port) else {
                throw RPCError.validation(field: "port", reason: "must be 1...65535")
            }
        }
    }

    /// An error of a service layer, mapped through RPCErrorConvertible.
    enum DeviceFailure: Error, RPCErrorConvertible {
        case offline(String)
        var rpcError: RPCError {
            switch self {
            case .offline(let guid): .deviceNotConnected(guid: guid)
            }
        }
    }

    /// An unmapped error whose description holds a secret.
    struct LeakyError: Error, CustomStringConvertible {
        var description: String { "password=hunter2" }
    }

    static func dispatcher(gauge: Gauge = Gauge(), limits: RPCLimits = RPCLimits()) -> RPCDispatcher {
        let d = RPCDispatcher(limits: limits)
        d.register("power", params: PowerParams.self, positional: ["guid", "action"]) { _, p in
            guard [2, 8, 10].contains(p.action) else {
                throw RPCError.validation(field: "action", reason: "not a power action")
            }
            if p.guid == "offline" { throw DeviceFailure.offline(p.guid) }
            return PowerResult(returnValue: 0, guid: p.guid)
        }
        d.register("port", params: Port.self) { _, p in p.port }
        d.register("config", params: ConfigParams.self) { _, p in
            "\(p.level) \(p.mode.rawValue) \(p.items.map(\.name)) \(p.note ?? "-")"
        }
        d.register("leak", params: RPCNoParams.self) { _, _ -> Int in throw LeakyError() }
        d.register("whoami", params: RPCNoParams.self) { context, _ in
            RPCValue.object(["method": .string(context.method), "id": .string("\(context.requestID!)")])
        }
        d.register("slow", params: RPCNoParams.self) { _, _ in
            gauge.enter()
            // Hold on after the third arrives, so that an unbounded batch would pile up more.
            await gauge.waitForPeers(3)
            for _ in 0..<50 { await Task.yield() }
            gauge.leave()
            return true
        }
        return d
    }

    static func request(_ method: String, _ params: String, id: String = "1") -> String {
        #"{"jsonrpc":"2.0","method":"\#(method)","params":\#(params),"id":\#(id)}"#
    }

    static func invalidParams(_ field: String, _ reason: String) -> String {
        errorJSON(-32602, "Invalid params", data: #"{"field":"\#(field)","reason":"\#(reason)"}"#, id: "1")
    }

    @Test func namedAndPositionalParams() async {
        let d = Self.dispatcher()
        let ok = #"{"jsonrpc":"2.0","result":{"guid":"g1","returnValue":0},"id":1}"#
        #expect(await d.call(Self.request("power", #"{"guid":"g1","action":8}"#)) == ok)
        #expect(await d.call(Self.request("power", #"["g1",8]"#)) == ok)
        #expect(
            await d.call(
                Self.request("power", #"{"guid":"g1","action":8,"options":{"force":true},"tags":[]}"#)
            ) == ok
        )
    }

    /// -32602 names the field and says what is wrong, without echoing the value.
    @Test(arguments: [
        (#"{"action":8}"#, "guid", "missing"),
        (#"["g1"]"#, "action", "missing"),
        (#"{"guid":null,"action":8}"#, "guid", "must not be null"),
        (#"{"guid":7,"action":8}"#, "guid", "expected a string"),
        (#"{"guid":"g","action":"8"}"#, "action", "expected an integer"),
        (#"{"guid":"g","action":8.5}"#, "action", "expected an integer"),
        (#"{"guid":"g","action":8,"options":{"force":"yes"}}"#, "options.force", "expected a boolean"),
        (#"{"guid":"g","action":8,"options":[]}"#, "options", "expected an object"),
        (#"{"guid":"g","action":8,"tags":["a",1]}"#, "tags[1]", "expected a string"),
        (#"{"guid":"g","action":8,"tags":"a"}"#, "tags", "expected an array"),
        (#"["g",8,"extra"]"#, "params", "expected at most 2 positional params"),
    ])
    func invalidParamsNameTheField(params: String, field: String, reason: String) async {
        let out = await Self.dispatcher().call(Self.request("power", params))
        #expect(out == Self.invalidParams(field, reason))
    }

    @Test(arguments: [
        (#"{"level":300,"mode":"kvm","items":[]}"#, "level", "invalid value"),
        (#"{"level":-1,"mode":"kvm","items":[]}"#, "level", "invalid value"),
        (#"{"level":1,"mode":"KVM","items":[]}"#, "mode", "invalid value"),
        (#"{"level":1,"mode":"kvm","items":[{"name":"a"},{}]}"#, "items[1].name", "missing"),
        (#"{"level":1,"mode":"kvm","items":[{"name":"a"},null]}"#, "items[1]", "must not be null"),
        (#"{"level":1,"mode":"kvm","items":{}}"#, "items", "expected an array"),
        (#"{"level":true,"mode":"kvm","items":[]}"#, "level", "expected an integer"),
    ])
    func nestedAndRangeErrors(params: String, field: String, reason: String) async {
        let out = await Self.dispatcher().call(Self.request("config", params))
        #expect(out == Self.invalidParams(field, reason))
    }

    /// Integral number text decodes as an integer; null and absent optionals are nil.
    @Test func lenientIntegersAndOptionals() async {
        let d = Self.dispatcher()
        #expect(
            await d.call(
                Self.request("config", #"{"level":2.0,"mode":"sol","items":[{"name":"x"}],"note":null}"#)
            )
                == #"{"jsonrpc":"2.0","result":"2 sol [\"x\"] -","id":1}"#
        )
        #expect(
            await d.call(Self.request("config", #"{"level":1e2,"mode":"kvm","items":[],"note":"n"}"#))
                == #"{"jsonrpc":"2.0","result":"100 kvm [] n","id":1}"#
        )
    }

    @Test func paramsShapes() async {
        let d = Self.dispatcher()
        // A method without positional names refuses a non-empty array.
        #expect(
            await d.call(Self.request("port", "[80]"))
                == Self.invalidParams("params", "expected named params (an object)")
        )
        #expect(await d.call(Self.request("port", "{}")) == Self.invalidParams("port", "missing"))
        // No params: omitted, {} and [] all decode.
        for params in ["", #","params":{}"#, #","params":[]"#] {
            #expect(
                await d.call(#"{"jsonrpc":"2.0","method":"whoami"\#(params),"id":"r"}"#)
                    == #"{"jsonrpc":"2.0","result":{"method":"whoami","id":"\"r\""},"id":"r"}"#
            )
        }
    }

    /// Errors thrown by a handler or a params decoder keep their code and data; others are -32603.
    @Test func handlerErrorMapping() async {
        let d = Self.dispatcher()
        #expect(
            await d.call(Self.request("power", #"{"guid":"g","action":3}"#))
                == errorJSON(
                    -32010,
                    "Validation failed",
                    data: #"{"field":"action","reason":"not a power action"}"#,
                    id: "1"
                )
        )
        #expect(
            await d.call(Self.request("power", #"["offline",2]"#))
                == errorJSON(-32001, "Device not connected", data: #"{"guid":"offline"}"#, id: "1")
        )
        #expect(
            await d.call(Self.request("port", #"{"port":70000}"#))
                == errorJSON(
                    -32010,
                    "Validation failed",
                    data: #"{"field":"port","reason":"must be 1...65535"}"#,
                    id: "1"
                )
        )
    }

    /// An unmapped error is a generic -32603: its description reaches neither the client nor
    /// the log at info and above.
    @Test func unmappedErrorsAreGeneric() async {
        let sink = CapturingSink()
        let out = await Self.dispatcher().call(Self.request("leak", "{}", id: #""L""#), context(sink))
        #expect(out == errorJSON(-32603, "Internal error", id: #""L""#))
        #expect(!(out ?? "").contains("hunter2"))
        let lines = sink.all
        #expect(lines.count == 1)
        #expect(lines.allSatisfy { !$0.contains("hunter2") })
        #expect(lines.first?.contains("rpc.method=leak") == true)
        #expect(lines.first?.contains("error.type=LeakyError") == true)
    }

    /// A method name cannot forge log lines: control characters are replaced, length capped.
    @Test func logMetadataIsSanitised() async {
        let sink = CapturingSink()
        let method = "leak\n2026-01-01 error [x] forged" + String(repeating: "m", count: 100)
        let body =
            #"{"jsonrpc":"2.0","method":"\#(method.replacingOccurrences(of: "\n", with: "\\n"))","id":1}"#
        let d = Self.dispatcher()
        d.register(method, params: RPCNoParams.self) { _, _ -> Int in throw LeakyError() }
        #expect(await d.call(body, context(sink)) == errorJSON(-32603, "Internal error", id: "1"))
        let lines = sink.all
        #expect(lines.count == 1)
        #expect(lines.allSatisfy { !$0.contains("\n") })
        let expected =
            "rpc.method=\"leak?2026-01-01 error [x] forged" + String(repeating: "m", count: 32) + "\""
        #expect(lines.first?.contains(expected) == true, "\(lines)")
    }

    /// Server error codes are the documented constants.
    @Test func serverErrorCodes() {
        let codes: [(RPCError, Int)] = [
            (.deviceNotConnected(guid: "g"), -32001), (.deviceTimeout(guid: "g"), -32002),
            (.deviceError(guid: "g", message: "fault"), -32003), (.unauthorized, -32004),
            (.forbidden, -32005),
            (.conflict("exists"), -32009), (.validation(field: "f", reason: "r"), -32010),
            (.notAvailable, -32011),
            (.parseError, -32700), (.invalidRequest, -32600), (.methodNotFound, -32601),
            (.invalidParams(field: "f", reason: "r"), -32602), (.internalError, -32603),
        ]
        for (error, code) in codes { #expect(error.code.rawValue == code) }
        #expect(
            RPCError.deviceTimeout(guid: "g").value.jsonText
                == #"{"code":-32002,"message":"Device did not answer in time","data":{"guid":"g"}}"#
        )
    }

    /// Batch members run concurrently, never more than the bound at once, and every id is
    /// answered.
    @Test func batchConcurrencyIsBounded() async {
        let gauge = Gauge()
        let d = Self.dispatcher(gauge: gauge, limits: RPCLimits(maxConcurrency: 3))
        let body =
            "[" + (0..<12).map { #"{"jsonrpc":"2.0","method":"slow","id":\#($0)}"# }.joined(separator: ",")
            + "]"
        let out = await d.call(body)
        let expected =
            "[" + (0..<12).map { #"{"jsonrpc":"2.0","result":true,"id":\#($0)}"# }.joined(separator: ",")
            + "]"
        #expect(out == expected)
        #expect(gauge.total == 12)
        #expect(gauge.peak == 3)
    }

    @Test func registryListsMethods() {
        #expect(Self.dispatcher().methodNames == ["config", "leak", "port", "power", "slow", "whoami"])
    }
}
