// Readable forms of audit-record extended data (`ExStr`, wsman spec §3.9).
import Foundation

/// Decoders for the extended data of the events the reference explains. Each returns nil when
/// the event has no decoder or the data does not fit it (too short, index outside its table);
/// the raw bytes stay available in `Ex` either way.
enum AuditLogExtendedData {
    static func describe(event key: Int, data: [UInt8]) -> String? {
        switch key {
        case 1602, 1604: aclEntryName(data)
        case 1603: aclEntryModified(data)
        case 1605: pick(["Invalid ME access", "Invalid MEBx access"], data, 0)
        case 1606: aclEntryState(data)
        case 1607: tlsState(data)
        case 1617: realmAuthMode(data)
        case 1619:
            pick(["BIOS", "MEBx", "Local MEI", "Local WSMAN", "Remote WSMAN"], data, 0)
        case 1900: firmwareUpdate(data)
        case 2100: timeSet(data)
        case 3000: optInPolicy(data)
        case 3001: pick(["Success", "Failed 3 times"], data, 0)
        default: nil
        }
    }

    /// The entry at `table[data[index]]`, nil if either index is out of range.
    private static func pick(_ table: [String], _ data: [UInt8], _ index: Int) -> String? {
        guard index < data.count, Int(data[index]) < table.count else { return nil }
        return table[Int(data[index])]
    }

    /// ACL entry added/removed: byte 0 is the entry type (0 = digest user), byte 1 the name
    /// length, the name from byte 2.
    private static func aclEntryName(_ data: [UInt8]) -> String? {
        guard data.count >= 2, data[0] == 0, 2 + Int(data[1]) <= data.count else { return nil }
        return LogBytes.latin1(data[2..<2 + Int(data[1])])
    }

    /// ACL entry modified: when byte 1 is 0, the text from byte 3 to the end.
    private static func aclEntryModified(_ data: [UInt8]) -> String? {
        guard data.count >= 3, data[1] == 0 else { return nil }
        return LogBytes.latin1(data[3...])
    }

    /// ACL entry state: Disabled/Enabled, then ", " and the text from byte 3 when byte 1 is 0.
    private static func aclEntryState(_ data: [UInt8]) -> String? {
        guard let state = pick(["Disabled", "Enabled"], data, 0) else { return nil }
        guard data.count >= 3, data[1] == 0 else { return state }
        return state + ", " + LogBytes.latin1(data[3...])
    }

    private static func tlsState(_ data: [UInt8]) -> String? {
        let modes = ["NoAuth", "ServerAuth", "MutualAuth"]
        guard let remote = pick(modes, data, 0), let local = pick(modes, data, 1) else {
            return nil
        }
        return "Remote \(remote), Local \(local)"
    }

    /// Realm index (u32) then the mode byte.
    private static func realmAuthMode(_ data: [UInt8]) -> String? {
        guard data.count >= 5 else { return nil }
        let realm = LogBytes.u32BE(data, at: 0)
        guard realm < AuditLogNames.realms.count,
            let mode = pick(["NoAuth", "Auth", "Disabled"], data, 4)
        else { return nil }
        return AuditLogNames.realms[Int(realm)] + ", " + mode
    }

    /// Eight u16 values: the old and the new firmware version.
    private static func firmwareUpdate(_ data: [UInt8]) -> String? {
        guard data.count >= 16 else { return nil }
        let parts = (0..<8).map { String(LogBytes.u16BE(data, at: 2 * $0)) }
        return "From " + parts[0..<4].joined(separator: ".") + " to "
            + parts[4..<8].joined(separator: ".")
    }

    /// The new ME time. The reference prints it in the server's locale; we use the API's
    /// ISO-8601 form so the text does not depend on where the server runs.
    private static func timeSet(_ data: [UInt8]) -> String? {
        guard data.count >= 4 else { return nil }
        return LogTime.string(LogTime.date(secondsSince1970: LogBytes.u32BE(data, at: 0)))
    }

    private static func optInPolicy(_ data: [UInt8]) -> String? {
        let policies = ["None", "KVM", "All"]
        guard let from = pick(policies, data, 0), let to = pick(policies, data, 1) else {
            return nil
        }
        return "From \(from) to \(to)"
    }
}
