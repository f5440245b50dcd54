import AMT
import Foundation
import HTTP
import JSON
import Logging
import Testing

@testable import Web  // RequestContext has no public initialiser

@Suite struct OpenAPITests {
    static let docsURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")

    /// docs/openapi.json is the served document. Regenerate it with
    /// `MPS_WRITE_OPENAPI=1 swift test --filter OpenAPITests` (then pretty-print if wanted).
    @Test func repositoryCopyMatchesTheServedDocument() throws {
        if ProcessInfo.processInfo.environment["MPS_WRITE_OPENAPI"] == "1" {
            try Data(OpenAPIDocument.text.utf8).write(to: Self.docsURL)
        }
        let stored = try JSONValue.parse(Array(try Data(contentsOf: Self.docsURL)))
        #expect(stored == OpenAPIDocument.document)
    }

    static var operations: [(path: String, method: String, op: JSONValue)] {
        var out: [(String, String, JSONValue)] = []
        for path in OpenAPIDocument.document["paths"]?.members ?? [] {
            for m in path.value.members ?? [] { out.append((path.key, m.key, m.value)) }
        }
        return out
    }

    @Test func everyReferenceResolvesAndOperationsAreComplete() throws {
        let doc = OpenAPIDocument.document
        let text = doc.serialized()
        var refs: Set<String> = []
        var rest = Substring(text)
        while let r = rest.range(of: #""$ref":"#) {
            let after = rest[r.upperBound...].dropFirst()
            let end = try #require(after.firstIndex(of: "\""))
            refs.insert(String(after[..<end]))
            rest = after[end...]
        }
        #expect(!refs.isEmpty)
        for ref in refs {
            let parts = ref.split(separator: "/").dropFirst().map(String.init)
            var node: JSONValue? = doc
            for p in parts { node = node?[p] }
            #expect(node != nil, "unresolved \(ref)")
        }
        let ids = Self.operations.compactMap { $0.op["operationId"]?.stringValue }
        #expect(ids.count == Self.operations.count && Set(ids).count == ids.count)
        for (path, method, op) in Self.operations {
            #expect(op["responses"]?.members?.isEmpty == false, "\(method) \(path)")
            let isPublic = op["security"] == []
            // A 401 means a missing credential, except at authorize (a wrong password).
            let authorize = path == "/api/v1/authorize"
            #expect(authorize || isPublic == (op["responses"]?["401"] == nil), "\(method) \(path)")
            #expect(
                path.contains("{guid}")
                    == (op["parameters"]?.arrayValue?.contains(["$ref": "#/components/parameters/guid"])
                        == true))
        }
        #expect(doc["components"]?["securitySchemes"]?["apiKey"]?["name"] == "X-MPS-API-Key")
    }

    /// Every AMT route is documented, and every documented AMT path is routed.
    @Test func documentCoversTheAMTRoutesExactly() throws {
        var router = Router()
        AMTRoutes(amt: AMTService(transport: FakeTransport { _, _ throws(AMTError) in throw .timeout }))
            .register(on: &router)
        OpenAPIRoute().register(on: &router)
        let mine = Self.operations.filter {
            ($0.path.hasPrefix("/api/v1/amt/") && !$0.path.hasPrefix("/api/v1/amt/ider/"))
                || $0.path.contains("refresh")
                || $0.path.contains("redirectstatus")
                || $0.path.hasSuffix("openapi.json")
        }
        #expect(mine.count == 21)  // 18 AMT operations, refresh, redirectstatus, the document
        for (path, method, _) in mine {
            let concrete = path.replacingOccurrences(of: "{guid}", with: testGUID)
            guard case .found = router.match(method: method.uppercased(), path: concrete) else {
                Issue.record("\(method) \(path) is documented but not routed")
                continue
            }
        }
        // The device and server routes registered elsewhere (DeviceRoutes, ServerRoutes).
        let others: [(String, String)] = [
            ("get", "/api/v1/devices"), ("post", "/api/v1/devices"), ("patch", "/api/v1/devices"),
            ("get", "/api/v1/devices/stats"), ("get", "/api/v1/devices/tags"),
            ("get", "/api/v1/devices/{guid}"),
            ("delete", "/api/v1/devices/{guid}"), ("delete", "/api/v1/devices/disconnect/{guid}"),
            ("put", "/api/v1/devices/{guid}/credentials"), ("get", "/api/v1/version"),
            ("get", "/api/v1/health"),
            ("get", "/api/v1/ciracert"),
            // AuthRoutes and IDERRoutes.
            ("post", "/api/v1/authorize"), ("get", "/api/v1/authorize/redirection/{guid}"),
            ("get", "/api/v1/ider/images"), ("post", "/api/v1/amt/ider/{guid}"),
            ("delete", "/api/v1/amt/ider/{guid}"),
        ]
        for (method, path) in others {
            #expect(
                OpenAPIDocument.document["paths"]?[path]?[method] != nil, "\(method) \(path) undocumented")
        }
        #expect(Self.operations.count == mine.count + others.count)
    }

    @Test func servedWithoutAnAPIKey() async throws {
        var router = Router()
        OpenAPIRoute().register(on: &router)
        let app = WebApplication(
            router: router, apiKeys: RouteHarness.Keys(), secure: false,
            publicPaths: [OpenAPIRoute.path])
        let request = HTTPRequest(method: "GET", target: OpenAPIRoute.path, path: OpenAPIRoute.path)
        let response = await app.respond(
            RequestContext(
                request: request, requestID: "t", remoteAddress: "127.0.0.1",
                logger: Logger(label: "t", level: .critical))).plain
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        #expect(try JSONValue.parse(response.body) == OpenAPIDocument.document)
    }
}
