// APF: the PROTOCOLVERSION system UUID and its mixed-endian wire form (spec apf.md §4).

/// Conversions between the 16 UUID bytes of PROTOCOLVERSION and the canonical string.
///
/// The wire uses the SMBIOS/Microsoft GUID layout: the first three groups are little-endian
/// integers, the last two are plain byte strings. Strings are always produced in lowercase;
/// UUIDs compare case-insensitively (field fault B05), so callers should key on the output of
/// ``normalize(_:)``.
public enum APFGUID {
    /// Wire byte positions in the order they appear in the canonical string.
    static let stringOrder = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
    /// Positions after which the canonical string has a dash.
    static let dashAfter: Set<Int> = [3, 5, 7, 9]

    /// The canonical lowercase string for 16 wire bytes, or nil if there are not exactly 16.
    public static func string(fromWire bytes: some Collection<UInt8>) -> String? {
        let wire = Array(bytes)
        guard wire.count == 16 else { return nil }
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, position) in self.stringOrder.enumerated() {
            let byte = wire[position]
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
            if self.dashAfter.contains(i) { out.append(UInt8(ascii: "-")) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 16 wire bytes for a UUID string in 8-4-4-4-12 hex form (any case), or nil.
    public static func wireBytes(from string: String) -> [UInt8]? {
        guard let values = self.parse(string) else { return nil }
        var wire = [UInt8](repeating: 0, count: 16)
        for (i, position) in self.stringOrder.enumerated() { wire[position] = values[i] }
        return wire
    }

    /// The lowercase canonical form of a UUID string, or nil unless it is 8-4-4-4-12 hex.
    public static func normalize(_ string: String) -> String? {
        guard self.parse(string) != nil else { return nil }
        return string.lowercased()
    }

    /// The 16 byte values in string order, or nil if `string` is not a well-formed UUID.
    private static func parse(_ string: String) -> [UInt8]? {
        let utf8 = Array(string.utf8)
        guard utf8.count == 36 else { return nil }
        var values: [UInt8] = []
        values.reserveCapacity(16)
        var index = 0
        for i in 0..<16 {
            guard let high = self.nibble(utf8[index]), let low = self.nibble(utf8[index + 1]) else {
                return nil
            }
            values.append(high << 4 | low)
            index += 2
            if self.dashAfter.contains(i) {
                guard utf8[index] == UInt8(ascii: "-") else { return nil }
                index += 1
            }
        }
        return values
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
