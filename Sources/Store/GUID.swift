/// AMT device GUIDs in their canonical text form: lowercase 8-4-4-4-12 hex.
///
/// AMT reports GUIDs in uppercase and people type them in either case, so every lookup goes
/// through `normalize` first (field fault B05). It does not check the UUID version or variant:
/// AMT GUIDs are SMBIOS UUIDs and do not always carry valid ones.
public enum GUID {
    /// The lowercase form of `text`, or nil if it is not a UUID.
    public static func normalize(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return nil }
                out.append(byte)
            default:
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                    out.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): out.append(byte + 32)
                default: return nil
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `normalize`, throwing `StoreError.invalidGUID` for a non-UUID.
    public static func require(_ text: String) throws(StoreError) -> String {
        guard let guid = self.normalize(text) else { throw StoreError.invalidGUID }
        return guid
    }
}
