// One decoded AMT event-log (PET) record, in the shape the REST API returns (wsman spec §3.10).
public import Foundation

/// A decoded `AMT_MessageLog` record.
///
/// Encodes to the reference v2 JSON: `DeviceAddress`, `EventSensorType`, `EventType`,
/// `EventOffset`, `EventSourceType`, `EventSeverity`, `SensorNumber`, `Entity`,
/// `EntityInstance`, `EventData` (eight numbers), `TimeStamp` (ISO-8601 UTC with milliseconds),
/// `EntityStr` and `Desc` (`null` when there is no description).
public struct EventLogRecord: Codable, Sendable, Equatable {
    public var deviceAddress: UInt8
    public var eventSensorType: UInt8
    public var eventType: UInt8
    public var eventOffset: UInt8
    public var eventSourceType: UInt8
    /// 0 unspecified, 1 monitor, 2 information, 4 OK, 8 non-critical, 16 critical,
    /// 32 non-recoverable.
    public var eventSeverity: UInt8
    public var sensorNumber: UInt8
    public var entity: UInt8
    public var entityInstance: UInt8
    /// Always eight bytes.
    public var eventData: [UInt8]
    public var timeStamp: Date
    /// The entity's name, "Unknown" when the table has none.
    public var entityStr: String
    public var desc: String?

    public init(
        deviceAddress: UInt8, eventSensorType: UInt8, eventType: UInt8, eventOffset: UInt8,
        eventSourceType: UInt8, eventSeverity: UInt8, sensorNumber: UInt8, entity: UInt8,
        entityInstance: UInt8, eventData: [UInt8], timeStamp: Date, entityStr: String,
        desc: String?
    ) {
        self.deviceAddress = deviceAddress
        self.eventSensorType = eventSensorType
        self.eventType = eventType
        self.eventOffset = eventOffset
        self.eventSourceType = eventSourceType
        self.eventSeverity = eventSeverity
        self.sensorNumber = sensorNumber
        self.entity = entity
        self.entityInstance = entityInstance
        self.eventData = eventData
        self.timeStamp = timeStamp
        self.entityStr = entityStr
        self.desc = desc
    }

    enum CodingKeys: String, CodingKey {
        case deviceAddress = "DeviceAddress"
        case eventSensorType = "EventSensorType"
        case eventType = "EventType"
        case eventOffset = "EventOffset"
        case eventSourceType = "EventSourceType"
        case eventSeverity = "EventSeverity"
        case sensorNumber = "SensorNumber"
        case entity = "Entity"
        case entityInstance = "EntityInstance"
        case eventData = "EventData"
        case timeStamp = "TimeStamp"
        case entityStr = "EntityStr"
        case desc = "Desc"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deviceAddress = try c.decode(UInt8.self, forKey: .deviceAddress)
        eventSensorType = try c.decode(UInt8.self, forKey: .eventSensorType)
        eventType = try c.decode(UInt8.self, forKey: .eventType)
        eventOffset = try c.decode(UInt8.self, forKey: .eventOffset)
        eventSourceType = try c.decode(UInt8.self, forKey: .eventSourceType)
        eventSeverity = try c.decode(UInt8.self, forKey: .eventSeverity)
        sensorNumber = try c.decode(UInt8.self, forKey: .sensorNumber)
        entity = try c.decode(UInt8.self, forKey: .entity)
        entityInstance = try c.decode(UInt8.self, forKey: .entityInstance)
        eventData = try c.decode([UInt8].self, forKey: .eventData)
        guard eventData.count == EventLogDecoder.eventDataCount else {
            throw DecodingError.dataCorruptedError(
                forKey: .eventData, in: c, debugDescription: "EventData must hold 8 numbers")
        }
        let text = try c.decode(String.self, forKey: .timeStamp)
        guard let parsed = LogTime.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .timeStamp, in: c, debugDescription: "TimeStamp is not an ISO-8601 time")
        }
        timeStamp = parsed
        entityStr = try c.decode(String.self, forKey: .entityStr)
        desc = try c.decodeIfPresent(String.self, forKey: .desc)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deviceAddress, forKey: .deviceAddress)
        try c.encode(eventSensorType, forKey: .eventSensorType)
        try c.encode(eventType, forKey: .eventType)
        try c.encode(eventOffset, forKey: .eventOffset)
        try c.encode(eventSourceType, forKey: .eventSourceType)
        try c.encode(eventSeverity, forKey: .eventSeverity)
        try c.encode(sensorNumber, forKey: .sensorNumber)
        try c.encode(entity, forKey: .entity)
        try c.encode(entityInstance, forKey: .entityInstance)
        try c.encode(eventData, forKey: .eventData)
        try c.encode(LogTime.string(timeStamp), forKey: .timeStamp)
        try c.encode(entityStr, forKey: .entityStr)
        try c.encode(desc, forKey: .desc)  // null when absent, as the reference sends it
    }
}
