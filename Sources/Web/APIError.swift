public import HTTP
public import Store
public import JSON
internal import Foundation

/// An error a route returns to the client: a status and a JSON body in the reference's envelope
/// (`{"error": ..., "errorDescription": ...}` or `{"errors": [...]}` for validation).
/// Never carries a secret: messages are written by us, not copied from exceptions.
public struct APIError: Error, Sendable {
    public var status: Int
    public var body: JSONValue

    public init(status: Int, message: String, description: String? = nil) {
        self.status = status
        var body: JSONValue = ["error": .string(message)]
        if let description { body["errorDescription"] = .string(description) }
        self.body = body
    }

    /// The reference's express-validator shape, naming the field that is wrong.
    public static func validation(_ field: String, _ message: String, value: JSONValue = .null,
                                  location: String = "body") -> APIError {
        var error = APIError(status: 400, message: "")
        error.body = [
            "errors": [
                [
                    "type": "field", "value": value, "msg": .string(message),
                    "path": .string(field), "location": .string(location),
                ]
            ]
        ]
        return error
    }

    public static func notFound(_ message: String, description: String? = nil) -> APIError {
        APIError(status: 404, message: message, description: description)
    }

    public static func deviceNotConnected(_ guid: String) -> APIError {
        APIError(
            status: 404, message: "Device not found/connected. Please connect again using CIRA.",
            description: "guid : \(guid)")
    }

    public static let unauthorized = APIError(status: 401, message: "Unauthorized")

    public var response: HTTPResponse { .jsonValue(self.status, self.body) }
}
