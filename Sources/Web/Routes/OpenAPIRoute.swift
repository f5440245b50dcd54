public import HTTP
public import JSON

/// The OpenAPI 3 description of the whole REST surface. The Swift value is the source; the
/// copy in docs/openapi.json is checked against it by a test.
public enum OpenAPIDocument {
    public static let document: JSONValue = [
        "openapi": "3.0.3",
        "info": [
            "title": "Management Presence Server REST API",
            "version": .string(ServerRoutes.version),
            "description": "Devices that dial in over CIRA, and Intel AMT operations through their tunnels.",
        ],
        "servers": [["url": "/"]],
        "security": [["apiKey": []], ["bearer": []]],
        "tags": [
            ["name": "server"], ["name": "devices"], ["name": "amt"], ["name": "auth"],
            ["name": "redirection"],
        ],
        "paths": .object(
            paths.map { path in JSONMember(path.0, .object(path.1.map { JSONMember($0.0, $0.1) })) }),
        "components": [
            "securitySchemes": [
                "apiKey": ["type": "apiKey", "in": "header", "name": "X-MPS-API-Key"],
                "bearer": [
                    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "A token from POST /api/v1/authorize",
                ],
            ],
            "parameters": [
                "guid": [
                    "name": "guid", "in": "path", "required": true, "description": "Device GUID (UUID)",
                    "schema": ["type": "string", "format": "uuid"],
                ]
            ],
            "schemas": .object(schemas.map { JSONMember($0.0, $0.1) }),
        ],
    ]

    /// The document as pretty-enough JSON text with a final newline (docs/openapi.json).
    public static var text: String { document.serialized() + "\n" }
}

/// `GET /api/v1/openapi.json` (public).
public struct OpenAPIRoute: Sendable {
    public static let path = "/api/v1/openapi.json"

    public init() {}

    public func register(on router: inout Router) {
        router.get(Self.path) { _ in .jsonValue(200, OpenAPIDocument.document) }
    }
}
