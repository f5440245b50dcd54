// One decoded AMT audit-log record, in the shape the REST API returns (wsman spec §3.9).
public import Foundation

/// A decoded `AMT_AuditLog` record.
///
/// Encodes to the reference REST JSON: `AuditAppID`, `EventID`, `InitiatorType`, `AuditApp`,
/// `Event`, `Initiator`, `Time` (ISO-8601 UTC with milliseconds), `MCLocationType`,
/// `NetAddress`, `Ex` (the raw extended data, one character per byte) and `ExStr` (its readable
/// form, `null` when there is none).
public struct AuditLogRecord: Sendable, Equatable, Codable {
    /// Initiator kinds (`InitiatorType`).
    public enum Initiator {
        public static let httpDigest: UInt8 = 0
        public static let kerberos: UInt8 = 1
        public static let local: UInt8 = 2
        public static let kvmDefaultPort: UInt8 = 3
    }

    /// Network address kinds (`MCLocationType`).
    public enum Location {
        public static let ipv4: UInt8 = 0
        public static let ipv6: UInt8 = 1
        public static let none: UInt8 = 2
    }

    public var auditAppID: UInt16
    public var eventID: UInt16
    public var initiatorType: UInt8
    /// Application name, or `#<AuditAppID>` when the table has none.
    public var auditApp: String
    /// Event name, or `#<EventID>` when the table has none.
    public var event: String
    /// The digest user name, the Kerberos SID (`S-1-5-21-…`), `Local` or `KVM Default Port`.
    public var initiator: String
    /// When AMT logged the event (AMT clock, taken as UTC); whole seconds.
    public var time: Date
    public var mcLocationType: UInt8
    /// The address as AMT wrote it, with IPv6 shortened to its canonical form (`::1`).
    public var netAddress: String
    /// The raw extended data: each byte as the character with the same code (U+0000...U+00FF).
    public var ex: String
    /// The extended data made readable, or nil when the event has no decoder.
    public var exStr: String?

    public init(
        auditAppID: UInt16, eventID: UInt16, initiatorType: UInt8, auditApp: String,
        event: String, initiator: String, time: Date, mcLocationType: UInt8,
        netAddress: String, ex: String, exStr: String?
    ) {
        self.auditAppID = auditAppID
        self.eventID = eventID
        self.initiatorType = initiatorType
        self.auditApp = auditApp
        self.event = event
        self.initiator = initiator
        self.time = time
        self.mcLocationType = mcLocationType
        self.netAddress = netAddress
        self.ex = ex
        self.exStr = exStr
    }

    /// The extended data as bytes (the inverse of `ex`); nil if `ex` holds a character above
    /// U+00FF, which a decoded record never does.
    public var extendedData: [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in ex.unicodeScalars {
            guard scalar.value <= 0xFF else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }

    enum CodingKeys: String, CodingKey {
        case auditAppID = "AuditAppID"
        case eventID = "EventID"
        case initiatorType = "InitiatorType"
        case auditApp = "AuditApp"
        case event = "Event"
        case initiator = "Initiator"
        case time = "Time"
        case mcLocationType = "MCLocationType"
        case netAddress = "NetAddress"
        case ex = "Ex"
        case exStr = "ExStr"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        auditAppID = try c.decode(UInt16.self, forKey: .auditAppID)
        eventID = try c.decode(UInt16.self, forKey: .eventID)
        initiatorType = try c.decode(UInt8.self, forKey: .initiatorType)
        auditApp = try c.decode(String.self, forKey: .auditApp)
        event = try c.decode(String.self, forKey: .event)
        initiator = try c.decode(String.self, forKey: .initiator)
        let text = try c.decode(String.self, forKey: .time)
        guard let parsed = LogTime.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .time, in: c, debugDescription: "Time is not an ISO-8601 UTC time")
        }
        time = parsed
        mcLocationType = try c.decode(UInt8.self, forKey: .mcLocationType)
        netAddress = try c.decode(String.self, forKey: .netAddress)
        ex = try c.decode(String.self, forKey: .ex)
        exStr = try c.decodeIfPresent(String.self, forKey: .exStr)
        guard extendedData != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .ex, in: c, debugDescription: "Ex holds a character above U+00FF")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(auditAppID, forKey: .auditAppID)
        try c.encode(eventID, forKey: .eventID)
        try c.encode(initiatorType, forKey: .initiatorType)
        try c.encode(auditApp, forKey: .auditApp)
        try c.encode(event, forKey: .event)
        try c.encode(initiator, forKey: .initiator)
        try c.encode(LogTime.string(time), forKey: .time)
        try c.encode(mcLocationType, forKey: .mcLocationType)
        try c.encode(netAddress, forKey: .netAddress)
        try c.encode(ex, forKey: .ex)
        // The reference always sends the key, with null when there is no readable form.
        try c.encode(exStr, forKey: .exStr)
    }
}
