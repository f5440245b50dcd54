// SPDX-License-Identifier: Apache-2.0

/// Parses `Scheme k=v, k="v", …` auth parameters (RFC 9110 §11.2) the tolerant way AMT needs
/// (B18): separators `,` or `, `, empty pairs and stray commas, quoted or bare values, and
/// commas inside quoted values. Keys are lowercased; the first occurrence of a key wins.
enum AuthParams {
    static func parse(_ header: String, scheme: String) -> [String: String]? {
        var rest = Substring(header).drop { $0 == " " || $0 == "\t" }
        guard rest.count > scheme.count, rest.prefix(scheme.count).lowercased() == scheme.lowercased() else {
            return nil
        }
        rest = rest.dropFirst(scheme.count)
        guard let first = rest.first, first == " " || first == "\t" else { return nil }
        var params: [String: String] = [:]
        let chars = Array(rest.unicodeScalars)
        var i = 0
        // Bounded: every iteration consumes at least one character.
        while i < chars.count {
            while i < chars.count && (chars[i] == " " || chars[i] == "\t" || chars[i] == ",") { i += 1 }
            var key = ""
            while i < chars.count && chars[i] != "=" && chars[i] != "," && chars[i] != " " {
                key.unicodeScalars.append(chars[i])
                i += 1
            }
            while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 }
            guard i < chars.count, chars[i] == "=" else {
                if key.isEmpty && i < chars.count { i += 1 }
                continue
            }
            i += 1
            while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 }
            var value = ""
            if i < chars.count && chars[i] == "\"" {
                i += 1
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\" && i + 1 < chars.count { i += 1 }
                    value.unicodeScalars.append(chars[i])
                    i += 1
                }
                i += 1
            } else {
                while i < chars.count && chars[i] != "," && chars[i] != " " && chars[i] != "\t" {
                    value.unicodeScalars.append(chars[i])
                    i += 1
                }
            }
            let k = key.lowercased()
            if !k.isEmpty && params[k] == nil { params[k] = value }
        }
        return params
    }

    /// A quoted-string with `"` and `\` escaped (RFC 9110 §5.6.4).
    static func quote(_ value: String) -> String {
        var out = "\""
        for c in value.unicodeScalars where c != "\r" && c != "\n" {
            if c == "\"" || c == "\\" { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out + "\""
    }
}
