// SPDX-License-Identifier: Apache-2.0

/// Parses `Scheme k=v, k="v", …` auth parameters (RFC 9110 §11.2) the tolerant way AMT needs
/// (B18): separators `,` or `, `, empty pairs and stray commas, quoted or bare values, and
/// commas inside quoted values. Keys are lowercased; the first occurrence of a key wins.
enum AuthParams {
    static func parse(_ header: String, scheme: String) -> [String: String]? {
        let chars = Array(header.utf8)
        let name = Array(scheme.utf8)
        func blank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
        var i = 0
        while i < chars.count && blank(chars[i]) { i += 1 }
        guard chars.count - i > name.count,
            zip(chars[i..<(i + name.count)], name).allSatisfy({ lower($0) == lower($1) })
        else { return nil }
        i += name.count
        guard blank(chars[i]) else { return nil }
        var params: [String: String] = [:]
        // Bounded: every iteration consumes at least one byte.
        while i < chars.count {
            while i < chars.count && (blank(chars[i]) || chars[i] == 0x2C) { i += 1 }
            let keyStart = i
            while i < chars.count && chars[i] != 0x3D && chars[i] != 0x2C && chars[i] != 0x20 { i += 1 }
            let key = chars[keyStart..<i]
            while i < chars.count && blank(chars[i]) { i += 1 }
            guard i < chars.count, chars[i] == 0x3D else {
                if key.isEmpty && i < chars.count { i += 1 }
                continue
            }
            i += 1
            while i < chars.count && blank(chars[i]) { i += 1 }
            var value: [UInt8] = []
            if i < chars.count && chars[i] == 0x22 {
                i += 1
                while i < chars.count && chars[i] != 0x22 {
                    if chars[i] == 0x5C && i + 1 < chars.count { i += 1 }
                    value.append(chars[i])
                    i += 1
                }
                i += 1
            } else {
                let start = i
                while i < chars.count && chars[i] != 0x2C && !blank(chars[i]) { i += 1 }
                value.append(contentsOf: chars[start..<i])
            }
            let k = String(decoding: key.map(lower), as: UTF8.self)
            if !k.isEmpty && params[k] == nil { params[k] = String(decoding: value, as: UTF8.self) }
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
