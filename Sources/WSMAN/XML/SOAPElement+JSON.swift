// SPDX-License-Identifier: Apache-2.0
public import JSON

/// How leaf text becomes JSON.
public enum JSONScalarStyle: Sendable {
    /// Every leaf is a string, exactly as in the XML.
    case strings
    /// The reference's xml2js rules (wsman.md §1.6): `true`/`false` become booleans, numeric
    /// text becomes a number, except `ElementName`/`InstanceID` values with a leading zero.
    case reference
}

extension SOAPElement {
    /// The element's content as JSON like the reference parser (wsman.md §1.6): prefixes
    /// stripped, attributes dropped, a lone child becomes an object, repeated children an
    /// array, an empty element `""`.
    public func contentJSON(_ style: JSONScalarStyle = .strings) -> JSONValue {
        if self.children.isEmpty { return Self.scalar(self.text, key: self.name, style: style) }
        var members: [JSONMember] = []
        var grouped: [[JSONValue]] = []
        var index: [String: Int] = [:]
        for child in self.children {
            let value = child.contentJSON(style)
            if let i = index[child.name] {
                grouped[i].append(value)
            } else {
                index[child.name] = members.count
                members.append(JSONMember(child.name, value))
                grouped.append([value])
            }
        }
        for i in members.indices where grouped[i].count > 1 {
            members[i].value = .array(grouped[i])
        }
        return .object(members)
    }

    private static func scalar(_ text: String, key: String, style: JSONScalarStyle) -> JSONValue {
        guard style == .reference else { return .string(text) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        let leadingZero = text.count > 1 && text.hasPrefix("0") && !text.hasPrefix("0.")
        if leadingZero && (key == "ElementName" || key == "InstanceID") { return .string(text) }
        return normalizedNumber(text).map { .number($0) } ?? .string(text)
    }

    /// Decimal text as JavaScript would print the parsed number; nil when not a plain number.
    private static func normalizedNumber(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var i = bytes[0] == 0x2D ? 1 : 0
        let intStart = i
        while i < bytes.count && (0x30...0x39).contains(bytes[i]) { i += 1 }
        guard i > intStart else { return nil }
        if i == bytes.count {
            let sign = intStart == 1 ? "-" : ""
            let digits = text.dropFirst(intStart).drop { $0 == "0" }
            return digits.isEmpty ? "0" : sign + digits
        }
        guard bytes[i] == 0x2E, i + 1 < bytes.count,
            bytes[(i + 1)...].allSatisfy({ (0x30...0x39).contains($0) }), let d = Double(text)
        else { return nil }
        return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
