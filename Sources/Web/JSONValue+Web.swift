public import Foundation
public import JSON

extension JSONValue {
    /// Parses a request body; nil when it is empty or not JSON.
    public static func parseBody(_ bytes: [UInt8]) -> JSONValue? {
        guard !bytes.isEmpty else { return nil }
        return try? JSONValue.parse(bytes)
    }

    /// Any Encodable model value as a JSONValue (dates as ISO-8601).
    public static func encoding(_ value: some Encodable) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value), let json = try? JSONValue.parse(Array(data)) else {
            return .null
        }
        return json
    }
}
