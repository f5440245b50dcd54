public import Foundation
public import JSON

/// A registered AMT device, with the JSON field names of the reference REST API.
///
/// Encoding always writes every field (absent values as `null`) and dates as ISO-8601 strings,
/// whatever the encoder's date strategy. Decoding accepts missing optional fields.
public struct Device: Codable, Sendable, Equatable {
    /// Lowercase canonical GUID (see `GUID.normalize`).
    public var guid: String
    public var hostname: String?
    public var tags: [String]
    /// The MPS instance that holds the device's CIRA connection, if connected.
    public var mpsInstance: String?
    public var connectionStatus: Bool
    public var mpsusername: String?
    public var tenantId: String
    public var friendlyName: String?
    public var dnsSuffix: String?
    public var lastConnected: Date?
    public var lastSeen: Date?
    public var lastDisconnected: Date?
    /// Written by the provisioning service: `fwVersion`, `fwBuild`, `fwSku`, `currentMode`,
    /// `features`, `ipAddress`, `lastUpdated`, and any other keys it sends, kept as given.
    public var deviceInfo: [String: JSONValue]?

    public init(
        guid: String,
        hostname: String? = nil,
        tags: [String] = [],
        mpsInstance: String? = nil,
        connectionStatus: Bool = false,
        mpsusername: String? = nil,
        tenantId: String = "",
        friendlyName: String? = nil,
        dnsSuffix: String? = nil,
        lastConnected: Date? = nil,
        lastSeen: Date? = nil,
        lastDisconnected: Date? = nil,
        deviceInfo: [String: JSONValue]? = nil
    ) {
        self.guid = guid
        self.hostname = hostname
        self.tags = tags
        self.mpsInstance = mpsInstance
        self.connectionStatus = connectionStatus
        self.mpsusername = mpsusername
        self.tenantId = tenantId
        self.friendlyName = friendlyName
        self.dnsSuffix = dnsSuffix
        self.lastConnected = lastConnected
        self.lastSeen = lastSeen
        self.lastDisconnected = lastDisconnected
        self.deviceInfo = deviceInfo
    }

    enum CodingKeys: String, CodingKey {
        case guid, hostname, tags, mpsInstance, connectionStatus, mpsusername, tenantId, friendlyName
        case dnsSuffix, lastConnected, lastSeen, lastDisconnected, deviceInfo
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.guid = try c.decode(String.self, forKey: .guid)
        self.hostname = try c.decodeIfPresent(String.self, forKey: .hostname)
        self.tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        self.mpsInstance = try c.decodeIfPresent(String.self, forKey: .mpsInstance)
        self.connectionStatus = try c.decodeIfPresent(Bool.self, forKey: .connectionStatus) ?? false
        self.mpsusername = try c.decodeIfPresent(String.self, forKey: .mpsusername)
        self.tenantId = try c.decodeIfPresent(String.self, forKey: .tenantId) ?? ""
        self.friendlyName = try c.decodeIfPresent(String.self, forKey: .friendlyName)
        self.dnsSuffix = try c.decodeIfPresent(String.self, forKey: .dnsSuffix)
        self.lastConnected = try Self.decodeDate(c, .lastConnected)
        self.lastSeen = try Self.decodeDate(c, .lastSeen)
        self.lastDisconnected = try Self.decodeDate(c, .lastDisconnected)
        self.deviceInfo = try c.decodeIfPresent([String: JSONValue].self, forKey: .deviceInfo)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.guid, forKey: .guid)
        try Self.encode(self.hostname, &c, .hostname)
        try c.encode(self.tags, forKey: .tags)
        try Self.encode(self.mpsInstance, &c, .mpsInstance)
        try c.encode(self.connectionStatus, forKey: .connectionStatus)
        try Self.encode(self.mpsusername, &c, .mpsusername)
        try c.encode(self.tenantId, forKey: .tenantId)
        try Self.encode(self.friendlyName, &c, .friendlyName)
        try Self.encode(self.dnsSuffix, &c, .dnsSuffix)
        try Self.encode(self.lastConnected.map(Timestamp.format), &c, .lastConnected)
        try Self.encode(self.lastSeen.map(Timestamp.format), &c, .lastSeen)
        try Self.encode(self.lastDisconnected.map(Timestamp.format), &c, .lastDisconnected)
        try Self.encode(self.deviceInfo, &c, .deviceInfo)
    }

    private static func encode<V: Encodable>(
        _ value: V?,
        _ c: inout KeyedEncodingContainer<CodingKeys>,
        _ key: CodingKeys
    ) throws {
        if let value { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
    }

    private static func decodeDate(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Date?
    {
        guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: c,
                debugDescription: "not an ISO-8601 date"
            )
        }
        return date
    }
}

/// The fields an API client may set on a device. For the optional ones, `nil` leaves the field
/// unchanged and `.some(nil)` clears it; `tags` and `tenantId` are either replaced or kept.
/// Connection state (`connectionStatus`, `mpsInstance`, the timestamps) belongs to the CIRA
/// layer and is not settable here.
public struct DeviceFields: Sendable, Equatable {
    public var hostname: String??
    public var tags: [String]?
    public var mpsusername: String??
    public var tenantId: String?
    public var friendlyName: String??
    public var dnsSuffix: String??
    public var deviceInfo: [String: JSONValue]??

    public init(
        hostname: String?? = nil,
        tags: [String]? = nil,
        mpsusername: String?? = nil,
        tenantId: String? = nil,
        friendlyName: String?? = nil,
        dnsSuffix: String?? = nil,
        deviceInfo: [String: JSONValue]?? = nil
    ) {
        self.hostname = hostname
        self.tags = tags
        self.mpsusername = mpsusername
        self.tenantId = tenantId
        self.friendlyName = friendlyName
        self.dnsSuffix = dnsSuffix
        self.deviceInfo = deviceInfo
    }

    /// Copies the set fields onto `device`.
    public func apply(to device: inout Device) {
        if let hostname = self.hostname { device.hostname = hostname }
        if let tags = self.tags { device.tags = tags }
        if let mpsusername = self.mpsusername { device.mpsusername = mpsusername }
        if let tenantId = self.tenantId { device.tenantId = tenantId }
        if let friendlyName = self.friendlyName { device.friendlyName = friendlyName }
        if let dnsSuffix = self.dnsSuffix { device.dnsSuffix = dnsSuffix }
        if let deviceInfo = self.deviceInfo { device.deviceInfo = deviceInfo }
    }
}

/// A device listing request. Every filter that is set must match (they combine with AND),
/// `status` filters before paging, and the page is ordered by GUID.
public struct DeviceQuery: Sendable, Equatable {
    public enum TagMatch: Sendable, Equatable {
        /// The device has every listed tag.
        case all
        /// The device has at least one listed tag.
        case any
    }

    /// The largest page we return; larger `top` values are clamped to it.
    public static let maximumTop = 1000

    public var top: Int
    public var skip: Int
    /// Exact match.
    public var hostname: String?
    /// Exact match.
    public var friendlyName: String?
    public var status: Bool?
    /// No filter when empty.
    public var tags: [String]
    public var tagMatch: TagMatch
    /// nil lists every tenant; "" is the default tenant.
    public var tenantId: String?

    public init(
        top: Int = 25,
        skip: Int = 0,
        hostname: String? = nil,
        friendlyName: String? = nil,
        status: Bool? = nil,
        tags: [String] = [],
        tagMatch: TagMatch = .any,
        tenantId: String? = nil
    ) {
        self.top = top
        self.skip = skip
        self.hostname = hostname
        self.friendlyName = friendlyName
        self.status = status
        self.tags = tags
        self.tagMatch = tagMatch
        self.tenantId = tenantId
    }
}

/// One page of devices and the number of devices matching the filters across all pages.
public struct DeviceList: Sendable, Equatable {
    public var devices: [Device]
    public var totalCount: Int

    public init(devices: [Device], totalCount: Int) {
        self.devices = devices
        self.totalCount = totalCount
    }
}

public struct DeviceStats: Sendable, Equatable, Codable {
    public var totalCount: Int
    public var connectedCount: Int
    public var disconnectedCount: Int

    public init(totalCount: Int, connectedCount: Int, disconnectedCount: Int) {
        self.totalCount = totalCount
        self.connectedCount = connectedCount
        self.disconnectedCount = disconnectedCount
    }
}
