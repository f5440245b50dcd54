// SPDX-License-Identifier: Apache-2.0

/// Escapes text for element content and double-quoted attribute values (XML 1.0 §2.4).
/// Control characters XML 1.0 cannot carry at all are dropped rather than emitted.
public func xmlEscape(_ text: String) -> String {
    if !text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 < 0x20 }) {
        return text
    }
    var out = ""
    out.reserveCapacity(text.utf8.count + 16)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}
