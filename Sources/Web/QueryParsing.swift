public import HTTP
public import Store
public import JSON
internal import Foundation

/// Strict reading of query parameters and JSON bodies: every malformed value is a 400 that names
/// the field (never a 500, never a silent default) — field fault B30.
extension RequestContext {
    /// The single value of a query parameter; a repeated parameter is an error.
    public func query(_ name: String) throws(APIError) -> String? {
        let values = self.request.queryValues(name)
        if values.count > 1 {
            throw .validation(name, "\(name) must be given at most once", location: "query")
        }
        return values.first
    }

    /// A non-negative integer query parameter with a default and an upper clamp.
    public func queryInt(_ name: String, default value: Int, max: Int) throws(APIError) -> Int {
        guard let text = try self.query(name) else { return value }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .validation(name, "\(name) must be a whole number of 0 or more",
                              value: .string(text), location: "query")
        }
        guard let parsed = Int(text) else {
            throw .validation(name, "\(name) is too large", value: .string(text), location: "query")
        }
        return Swift.min(parsed, max)
    }

    public func queryBool(_ name: String) throws(APIError) -> Bool? {
        guard let text = try self.query(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            throw .validation(name, "\(name) must be true or false", value: .string(text),
                              location: "query")
        }
    }

    /// The request body as a JSON object; a missing or non-object body is a 400.
    public func jsonObject() throws(APIError) -> [String: JSONValue] {
        guard let value = JSONValue.parseBody(self.request.body) else {
            throw APIError(status: 400, message: "Request body is not valid JSON")
        }
        guard let object = value.dictionary else {
            throw APIError(status: 400, message: "Request body must be a JSON object")
        }
        return object
    }
}
