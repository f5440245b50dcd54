// Decoding of the 21-byte AMT event-log (IPMI PET) record (wsman spec §3.10).
import Foundation

/// Turns base64 `RecordArray` entries of `AMT_MessageLog.GetRecords` into ``EventLogRecord``s.
///
/// Layout: TimeStamp u32 **little-endian**, DeviceAddress, EventSensorType, EventType,
/// EventOffset, EventSourceType, EventSeverity, SensorNumber, Entity, EntityInstance (one byte
/// each), then eight bytes of EventData. A record must be exactly 21 bytes.
public enum EventLogDecoder {
    /// `AMT_MessageLog.MaxRecordSize`.
    public static let recordSize = 21
    static let eventDataCount = 8

    /// Decodes one record. An unused slot (timestamp 0 or 0xFFFFFFFF) throws
    /// ``LogDecodingError/unusedSlot``; ``decodeIfUsed(base64Record:)`` and
    /// ``decodeLog(base64Records:)`` skip those instead.
    public static func decode(base64Record: String) throws(LogDecodingError) -> EventLogRecord {
        guard let record = try decodeIfUsed(base64Record: base64Record) else {
            throw .unusedSlot
        }
        return record
    }

    /// Decodes one record, or returns nil for an unused slot.
    public static func decodeIfUsed(
        base64Record: String
    ) throws(LogDecodingError) -> EventLogRecord? {
        try decodeIfUsed(bytes: LogBytes.decodeBase64(base64Record, maxBytes: recordSize))
    }

    /// Decodes a `RecordArray`, in AMT's order (newest first), leaving out unused slots.
    public static func decodeLog(
        base64Records: [String]
    ) throws(LogDecodingError) -> [EventLogRecord] {
        var records: [EventLogRecord] = []
        for text in base64Records {
            if let record = try decodeIfUsed(base64Record: text) { records.append(record) }
        }
        return records
    }

    public static func decodeIfUsed(bytes: [UInt8]) throws(LogDecodingError) -> EventLogRecord? {
        guard bytes.count == recordSize else {
            throw .wrongRecordLength(expected: recordSize, actual: bytes.count)
        }
        var reader = RecordReader(bytes)
        let seconds = try reader.u32LE("TimeStamp")
        guard seconds != 0, seconds != .max else { return nil }
        let deviceAddress = try reader.u8("DeviceAddress")
        let sensorType = try reader.u8("EventSensorType")
        let eventType = try reader.u8("EventType")
        let offset = try reader.u8("EventOffset")
        let sourceType = try reader.u8("EventSourceType")
        let severity = try reader.u8("EventSeverity")
        let sensorNumber = try reader.u8("SensorNumber")
        let entity = try reader.u8("Entity")
        let entityInstance = try reader.u8("EntityInstance")
        let data = try reader.bytes(eventDataCount, "EventData")
        let entityIndex = Int(entity)
        return EventLogRecord(
            deviceAddress: deviceAddress, eventSensorType: sensorType, eventType: eventType,
            eventOffset: offset, eventSourceType: sourceType, eventSeverity: severity,
            sensorNumber: sensorNumber, entity: entity, entityInstance: entityInstance,
            eventData: data, timeStamp: LogTime.date(secondsSince1970: seconds),
            entityStr: entityIndex < EventLogNames.entities.count
                ? EventLogNames.entities[entityIndex] : "Unknown",
            desc: describe(sensorType: sensorType, offset: offset, data: data))
    }

    /// The `Desc` text. Nil for sensor type 18 other than an agent-watchdog event, and when a
    /// table has no entry for the code in the data.
    static func describe(sensorType: UInt8, offset: UInt8, data: [UInt8]) -> String? {
        switch sensorType {
        case 6:
            let failures = Int(data[1]) + Int(data[2]) * 256
            return "Authentication failed \(failures) times. The system may be under attack."
        case 15:
            if data[0] == 235 { return "Invalid Data" }
            let table = offset == 0 ? EventLogNames.firmwareErrors : EventLogNames.firmwareProgress
            return Int(data[1]) < table.count ? table[Int(data[1])] : nil
        case 18:
            guard data[0] == 170, let state = EventLogNames.watchdogStates[data[7]] else {
                return nil
            }
            let id = hex([data[4], data[3], data[2], data[1]]) + "-" + hex([data[6], data[5]])
            return "Agent watchdog \(id)-... changed to \(state)"
        case 30: return "No bootable media"
        case 32: return "Operating system lockup or power interrupt"
        case 35: return "System boot failure"
        case 37: return "System firmware started (at least one CPU is properly executing)."
        default: return "Unknown Sensor Type #\(sensorType)"
        }
    }

    /// Uppercase, two digits per byte.
    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}
