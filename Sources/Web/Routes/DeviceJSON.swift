internal import Foundation
public import JSON
public import Store

/// A device as the reference REST API writes it, fields in the reference's order. Lists omit
/// `lastSeen` and `lastDisconnected`, as the reference does.
public enum DeviceJSON {
    public static func encode(_ d: Device, listed: Bool = false) -> JSONValue {
        var v: JSONValue = [
            "guid": .string(d.guid),
            "hostname": Self.text(d.hostname),
            "tags": .array(d.tags.map { .string($0) }),
            "mpsInstance": Self.text(d.mpsInstance),
            "connectionStatus": .bool(d.connectionStatus),
            "mpsusername": Self.text(d.mpsusername),
            "tenantId": .string(d.tenantId),
            "friendlyName": Self.text(d.friendlyName),
            "dnsSuffix": Self.text(d.dnsSuffix),
            "lastConnected": Self.date(d.lastConnected),
        ]
        if !listed {
            v["lastSeen"] = Self.date(d.lastSeen)
            v["lastDisconnected"] = Self.date(d.lastDisconnected)
        }
        v["deviceInfo"] = d.deviceInfo.map { info in
            .object(info.keys.sorted().map { JSONMember($0, info[$0]!) })
        } ?? .null
        return v
    }

    private static func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    private static func date(_ d: Date?) -> JSONValue {
        guard let d else { return .null }
        return .string(Timestamp.format(d))
    }

    /// `{totalCount, connectedCount, disconnectedCount}`.
    public static func encode(_ s: DeviceStats) -> JSONValue {
        [
            "totalCount": .int(s.totalCount), "connectedCount": .int(s.connectedCount),
            "disconnectedCount": .int(s.disconnectedCount),
        ]
    }
}
