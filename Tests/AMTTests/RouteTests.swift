import AMT
import Foundation
import HTTP
import JSON
import Logging
import Testing
import WSMAN

@testable import Web  // RequestContext has no public initialiser

/// The AMT routes driven through the web application (auth, routing, error mapping) with
/// RequestContext values and a fake transport: no sockets.
struct RouteHarness {
    struct Keys: APIKeyVerifier {
        func verify(apiKey: String) async -> String? { apiKey == "test-key" ? "test" : nil }
    }

    let fake: FakeTransport
    let app: WebApplication

    init(_ fake: FakeTransport, connected: Set<String> = [testGUID]) {
        self.fake = fake
        var router = Router()
        let service = AMTService(transport: fake, connectivity: AlwaysConnected(connected: connected))
        AMTRoutes(amt: service).register(on: &router)
        self.app = WebApplication(router: router, apiKeys: Keys(), secure: false)
    }

    func call(
        _ method: String, _ path: String, query: [(name: String, value: String)] = [], body: String? = nil
    )
        async -> (status: Int, json: JSONValue?)
    {
        var headers = HTTPHeaders()
        headers.replace("X-MPS-API-Key", "test-key")
        let request = HTTPRequest(
            method: method, target: path, path: path, query: query, headers: headers,
            body: body.map { Array($0.utf8) } ?? [])
        let context = RequestContext(
            request: request, requestID: "t", remoteAddress: "127.0.0.1",
            logger: Logger(label: "test", level: .critical))
        let response = await self.app.respond(context).plain
        return (response.status, response.body.isEmpty ? nil : try? JSONValue.parse(response.body))
    }
}

@Suite struct RouteTests {
    static let p = "/api/v1/amt"
    static let never = FakeTransport { _, _ throws(AMTError) in
        throw .unexpectedResponse("must not be called")
    }

    static func field(_ json: JSONValue?) -> String? { json?["errors"]?[0]?["path"]?.stringValue }

    @Test func invalidInputNamesTheFieldBeforeAnyDeviceCall() async throws {
        let h = RouteHarness(Self.never)
        let g = testGUID
        let cases: [(String, String, String?, [(name: String, value: String)], String)] = [
            ("POST", "\(Self.p)/power/action/\(g)", #"{"action": 9}"#, [], "action"),
            ("POST", "\(Self.p)/power/action/\(g)", #"{"action": "eight"}"#, [], "action"),
            ("POST", "\(Self.p)/power/action/\(g)", #"{}"#, [], "action"),
            ("POST", "\(Self.p)/power/bootOptions/\(g)", #"{"action": 400}"#, [], "useSOL"),
            ("POST", "\(Self.p)/power/bootoptions/\(g)", #"{"action": 8, "useSOL": true}"#, [], "action"),
            (
                "POST", "\(Self.p)/features/\(g)",
                #"{"userConsent":"sometimes","enableSOL":true,"enableIDER":true,"enableKVM":true}"#, [],
                "userConsent"
            ),
            (
                "POST", "\(Self.p)/features/\(g)",
                #"{"userConsent":"all","enableSOL":true,"enableIDER":true,"enableKVM":"yes"}"#, [],
                "enableKVM"
            ),
            (
                "POST", "\(Self.p)/features/\(g)",
                #"{"userConsent":"all","enableIDER":true,"enableKVM":true}"#, [],
                "enableSOL"
            ),
            ("POST", "\(Self.p)/userConsentCode/\(g)", #"{"consentCode": "12ab"}"#, [], "consentCode"),
            ("POST", "\(Self.p)/userConsentCode/\(g)", #"{"consentCode": 1234567}"#, [], "consentCode"),
            ("POST", "\(Self.p)/alarmOccurrences/\(g)", #"{"ElementName": "a"}"#, [], "StartTime"),
            (
                "POST", "\(Self.p)/alarmOccurrences/\(g)", #"{"ElementName": "a", "StartTime": "tomorrow"}"#,
                [],
                "StartTime"
            ),
            (
                "POST", "\(Self.p)/alarmOccurrences/\(g)", #"{"StartTime": "2024-01-01T10:00:00Z"}"#, [],
                "ElementName"
            ),
            (
                "POST", "\(Self.p)/alarmOccurrences/\(g)",
                #"{"ElementName": "a", "StartTime": "2024-01-01T10:00:00Z", "Interval": -5}"#, [], "Interval"
            ),
            (
                "POST", "\(Self.p)/alarmOccurrences/\(g)",
                #"{"ElementName": "a", "StartTime": "2024-01-01T10:00:00Z", "InstanceID": 7}"#, [],
                "InstanceID"
            ),
            (
                "POST", "\(Self.p)/alarmOccurrences/\(g)",
                #"{"ElementName": "\#(String(repeating: "n", count: 40))", "StartTime": "2024-01-01T10:00:00Z"}"#,
                [],
                "ElementName"
            ),
            ("DELETE", "\(Self.p)/alarmOccurrences/\(g)", #"{"name": "x"}"#, [], "Name"),
            ("GET", "\(Self.p)/log/audit/\(g)", nil, [("startIndex", "-1")], "startIndex"),
            ("GET", "/api/v1/devices/redirectstatus/not-a-guid", nil, [], "guid"),
        ]
        for (method, path, body, query, field) in cases {
            let (status, json) = await h.call(method, path, query: query, body: body)
            #expect(status == 400, "\(method) \(path) \(body ?? "")")
            #expect(Self.field(json) == field, "\(method) \(path) \(body ?? "")")
        }
        #expect(h.fake.requests.isEmpty)
    }

    @Test func deviceWithoutTunnelIs404WithTheReferenceBody() async throws {
        let h = RouteHarness(Self.never, connected: [])
        let (status, json) = await h.call("GET", "\(Self.p)/power/state/\(testGUID.uppercased())")
        #expect(status == 404)
        #expect(
            json == [
                "error": "Device not found/connected. Please connect again using CIRA.",
                "errorDescription": .string("guid : \(testGUID)"),
            ])
        // Validation still runs first.
        #expect(await h.call("POST", "\(Self.p)/power/action/\(testGUID)", body: "{}").status == 400)
        #expect(await h.call("DELETE", "/api/v1/devices/refresh/\(testGUID)").status == 404)
    }

    @Test func silentDeviceIs504() async throws {
        let h = RouteHarness(FakeTransport { _, _ throws(AMTError) in throw .timeout })
        let (status, json) = await h.call("GET", "\(Self.p)/power/state/\(testGUID)")
        #expect(status == 504)
        #expect(json?["error"] == "Gateway Timeout")
    }

    /// B25: a bare HTTP 400 is an upstream error carrying the status; the next call works.
    @Test func bareHTTP400IsAnUpstreamErrorAndTheNextCallSucceeds() async throws {
        let pull = try Fixture.response("CIM_ServiceAvailableToElement-Pull.json")
        let enumerate = try Fixture.response("CIM_ServiceAvailableToElement-Enumerate.json")
        let h = RouteHarness(
            FakeTransport { request, index throws(AMTError) in
                if index == 0 { throw .wsman(.http(status: 400, body: [])) }
                return FakeTransport.key(request).hasSuffix("Enumerate") ? enumerate : pull
            })
        let (status, json) = await h.call("GET", "\(Self.p)/power/state/\(testGUID)")
        #expect(status == 502)
        #expect(json?["upstreamStatus"] == 400)
        #expect(json?["errorDescription"]?.stringValue?.contains("HTTP 400") == true)
        let next = await h.call("GET", "\(Self.p)/power/state/\(testGUID)")
        #expect(next.status == 200)
        #expect(next.json == ["powerstate": 4])
    }

    @Test func featuresGetWithoutKVMAndPostEnablingKVMIsRefused() async throws {
        let device = FeatureAndAlarmTests.FeatureDevice(.init(kvm: nil))
        let h = RouteHarness(FakeTransport { r, _ throws(AMTError) in try device.handle(r) })
        let get = await h.call("GET", "\(Self.p)/features/\(testGUID)")
        #expect(get.status == 200)
        #expect(get.json?["kvmAvailable"] == false)
        #expect(get.json?["userConsent"] == "all")
        let bad = await h.call(
            "POST", "\(Self.p)/features/\(testGUID)",
            body: #"{"userConsent":"all","enableSOL":true,"enableIDER":false,"enableKVM":true}"#)
        #expect(bad.status == 400)
        #expect(Self.field(bad.json) == "enableKVM")
        let ok = await h.call(
            "POST", "\(Self.p)/features/\(testGUID)",
            body: #"{"userConsent":"none","enableSOL":"true","enableIDER":false,"enableKVM":false}"#)
        #expect(ok.status == 200)
        #expect(ok.json == ["status": "AMT Features updated"])
        #expect(await h.call("GET", "\(Self.p)/features/\(testGUID)").json?["SOL"] == true)
    }

    @Test func alarmRoutesMapFaultsToTheReferenceStatuses() async throws {
        let quota = try #require(
            try Fixture.response("AMT_AlarmClockService-AddAlarm-fault-QuotaLimit.json").fault)
        let gone = try #require(
            try Fixture.response("IPS_AlarmClockOccurrence-Delete-fault-DestinationUnreachable.json").fault)
        let h = RouteHarness(
            FakeTransport { r, _ throws(AMTError) in
                throw .wsman(FakeTransport.key(r).hasSuffix("Delete") ? gone : quota)
            })
        let add = await h.call(
            "POST", "\(Self.p)/alarmOccurrences/\(testGUID)",
            body: #"{"ElementName": "wake", "StartTime": "2024-01-01T10:00:00.000Z"}"#)
        #expect(add.status == 400)
        #expect(
            add.json?["errorDescription"]
                == .string("Alarm add request quota exceeded for guid : \(testGUID)."))
        let delete = await h.call("DELETE", "\(Self.p)/alarmOccurrences/\(testGUID)", body: #"{"Name": "x"}"#)
        #expect(delete.status == 404)
        #expect(delete.json?["error"] == "Alarm instance not found")
    }

    @Test func consentAnswers400WhenAMTRefuses() async throws {
        let h = RouteHarness(
            FakeTransport { _, _ throws(AMTError) in
                Built.output("IPS_OptInService", "SendOptInCode", returnValue: 2065)
            })
        let (status, json) = await h.call(
            "POST", "\(Self.p)/userConsentCode/\(testGUID)", body: #"{"consentCode": 123456}"#)
        #expect(status == 400)
        #expect(json?["Body"] == ["ReturnValue": 2065, "ReturnValueStr": "MAX_KERB_DOMAIN_REACHED"])
    }

    @Test func redirectStatusAndRefresh() async throws {
        let h = RouteHarness(Self.never)
        let status = await h.call("GET", "/api/v1/devices/redirectstatus/\(testGUID)")
        #expect(status.status == 200)
        #expect(status.json == ["isKVMConnected": false, "isSOLConnected": false, "isIDERConnected": false])
        let refresh = await h.call("DELETE", "/api/v1/devices/refresh/\(testGUID)")
        #expect(
            refresh.json == ["success": 200, "description": .string("Device info refreshed : \(testGUID)")])
        #expect(h.fake.resetGUIDs == [testGUID])
    }

    @Test func powerActionReturnsTheReferenceShape() async throws {
        let h = RouteHarness(try PowerTests.bootFake())
        let (status, json) = await h.call(
            "POST", "\(Self.p)/power/action/\(testGUID)", body: #"{"action": "8"}"#)
        #expect(status == 200)
        #expect(json?["Body"] == ["ReturnValue": 0, "ReturnValueStr": "SUCCESS"])
        #expect(json?["Header"]?["RelatesTo"] == 0)
    }
}

extension HTTPServerResult {
    /// The plain response (these routes never upgrade to WebSocket).
    var plain: HTTPResponse {
        switch self {
        case .response(let r): r
        case .upgrade(let r, _): r
        }
    }
}
