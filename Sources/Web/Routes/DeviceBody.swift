internal import Foundation
public import Store
public import JSON

/// Validation of device request bodies, field by field, with the reference's messages.
enum DeviceBody {
    static func fields(from body: [String: JSONValue]) throws(APIError) -> DeviceFields {
        var fields = DeviceFields()
        fields.hostname = try optionalString(body, "hostname", max: 255,
                                             message: "Hostname must be less than 256 characters")
        fields.friendlyName = try optionalString(body, "friendlyName", max: 256)
        fields.dnsSuffix = try optionalString(body, "dnsSuffix", max: 256)
        fields.mpsusername = try optionalString(body, "mpsusername", max: 16)
        if let tenant = body["tenantId"] {
            guard let t = tenant.stringValue, t.count <= 36 else {
                throw .validation("tenantId", "tenantId must be a string of at most 36 characters",
                                  value: tenant)
            }
            fields.tenantId = t
        }
        if let tags = body["tags"] {
            guard let list = tags.arrayValue else {
                throw .validation("tags", "tags should be an array of strings", value: tags)
            }
            var out: [String] = []
            for tag in list {
                guard let s = tag.stringValue, !s.isEmpty, s.count <= 64 else {
                    throw .validation("tags", "tags should be an array of strings", value: tags)
                }
                out.append(s)
            }
            fields.tags = out
        }
        if let info = body["deviceInfo"] {
            switch info {
            case .null: fields.deviceInfo = .some(nil)
            case .object: fields.deviceInfo = .some(info.dictionary)
            default: throw .validation("deviceInfo", "deviceInfo must be an object", value: info)
            }
        }
        return fields
    }

    /// nil = not given; .some(nil) = given as null (clears the field).
    private static func optionalString(
        _ body: [String: JSONValue], _ name: String, max: Int, message: String? = nil
    ) throws(APIError) -> String?? {
        guard let value = body[name] else { return nil }
        switch value {
        case .null: return .some(nil)
        case .string(let s):
            guard s.count <= max else {
                throw .validation(name, message ?? "\(name) must be at most \(max) characters",
                                  value: value)
            }
            return .some(s)
        default:
            throw .validation(name, "\(name) must be a string", value: value)
        }
    }

    /// `{"mps": {"username": .., "password": ..}}` → (username, password); nil when absent.
    static func credentials(_ body: [String: JSONValue], _ part: String) throws(APIError)
        -> (String, String)?
    {
        guard let value = body[part] else { return nil }
        // The values are never echoed: they may hold a password.
        guard let object = value.dictionary else {
            throw .validation(part, "\(part) must be an object with username and password strings")
        }
        guard let username = object["username"]?.stringValue, !username.isEmpty else {
            throw .validation("\(part).username", "\(part).username must be a non-empty string")
        }
        guard let password = object["password"]?.stringValue, !password.isEmpty else {
            throw .validation("\(part).password", "\(part).password must be a non-empty string")
        }
        return (username, password)
    }
}
