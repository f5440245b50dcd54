// Event-log (PET) records: the captured log, the description rules, bad input.
import AMT
import Foundation
import Testing

@Suite struct EventLogFixtureTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        let record: String, time: String
        let severity: UInt8, entity: UInt8, progress: UInt8, desc: String
        init(_ r: String, _ t: String, _ s: UInt8, _ e: UInt8, _ p: UInt8, _ d: String) {
            (record, time, severity, entity, progress, desc) = (r, t, s, e, p, d)
        }
        var testDescription: String { "\(time) \(desc)" }
        var entityStr: String {
            [0: "Unspecified", 4: "Disk", 7: "System board", 34: "BIOS", 38: "Intel(r) ME"][entity]!
        }
    }

    // Firmware progress texts (sensor type 15, offset 2) that occur in the capture.
    static let disk = "Starting hard-disk initialization and test"
    static let usb = "USB resource configuration", pci = "PCI resource configuration"
    static let video = "Video initialization", kbc = "Keyboard controller initialization"
    static let ec = "Embedded controller/management controller initialization"
    static let wake = "Calling operating system wake-up vector"
    static let boot = "Starting operating system boot process", kbtest = "Keyboard test"

    /// The GetRecords capture in AMT's order, newest first.
    static let log: [Expected] = [
        .init("YiexYf8PbwJoAf8AAEASAAAAAAAA", "2021-12-08T21:45:06.000Z", 1, 0, 18, wake),
        .init("eRyxYf8PbwJoAf8AAEASAAAAAAAA", "2021-12-08T20:58:33.000Z", 1, 0, 18, wake),
        .init("+sGwYf8PbwJoCP8iAEATAAAAAAAA", "2021-12-08T14:32:26.000Z", 8, 34, 19, boot),
        .init("98GwYf8PbwJoAf8EAEACAAAAAAAA", "2021-12-08T14:32:23.000Z", 1, 4, 2, disk),
        .init("98GwYf8PbwJoAf8HAEAXAAAAAAAA", "2021-12-08T14:32:23.000Z", 1, 7, 23, kbtest),
        .init("98GwYf8PbwJoAf8HAEAMAAAAAAAA", "2021-12-08T14:32:23.000Z", 1, 7, 12, kbc),
        .init("98GwYf8PbwJoAf8HAEAXAAAAAAAA", "2021-12-08T14:32:23.000Z", 1, 7, 23, kbtest),
        .init("98GwYf8PbwJoAf8HAEAMAAAAAAAA", "2021-12-08T14:32:23.000Z", 1, 7, 12, kbc),
        .init("9cGwYf8PbwJoAf8iAEAGAAAAAAAA", "2021-12-08T14:32:21.000Z", 1, 34, 6, usb),
        .init("9MGwYf8PbwJoAf8HAEAJAAAAAAAA", "2021-12-08T14:32:20.000Z", 1, 7, 9, video),
        .init("9MGwYf8PbwJoAf8iAEAHAAAAAAAA", "2021-12-08T14:32:20.000Z", 1, 34, 7, pci),
        .init("9MGwYf8PbwJoAf8iAEAHAAAAAAAA", "2021-12-08T14:32:20.000Z", 1, 34, 7, pci),
        .init("F4CvYf8PbwJoAf8AAEASAAAAAAAA", "2021-12-07T15:39:03.000Z", 1, 0, 18, wake),
        .init("iXOvYf8PbwJoAf8AAEASAAAAAAAA", "2021-12-07T14:45:29.000Z", 1, 0, 18, wake),
        .init("M2GpYf8PbwJoAf8mAEANAAAAAAAA", "2021-12-03T00:13:39.000Z", 1, 38, 13, ec),
        .init("M2GpYf8PbwJoCP8iAEATAAAAAAAA", "2021-12-03T00:13:39.000Z", 8, 34, 19, boot),
        .init("MmGpYf8PbwJoAf8HAEAXAAAAAAAA", "2021-12-03T00:13:38.000Z", 1, 7, 23, kbtest),
        .init("MmGpYf8PbwJoAf8HAEAMAAAAAAAA", "2021-12-03T00:13:38.000Z", 1, 7, 12, kbc),
        .init("MmGpYf8PbwJoAf8HAEAXAAAAAAAA", "2021-12-03T00:13:38.000Z", 1, 7, 23, kbtest),
        .init("MmGpYf8PbwJoAf8HAEAMAAAAAAAA", "2021-12-03T00:13:38.000Z", 1, 7, 12, kbc),
        .init("MmGpYf8PbwJoAf8EAEACAAAAAAAA", "2021-12-03T00:13:38.000Z", 1, 4, 2, disk),
        .init("MWGpYf8PbwJoAf8iAEAGAAAAAAAA", "2021-12-03T00:13:37.000Z", 1, 34, 6, usb),
        .init("MGGpYf8PbwJoAf8HAEAJAAAAAAAA", "2021-12-03T00:13:36.000Z", 1, 7, 9, video),
        .init("MGGpYf8PbwJoAf8iAEAHAAAAAAAA", "2021-12-03T00:13:36.000Z", 1, 34, 7, pci),
        .init("MGGpYf8PbwJoAf8iAEAHAAAAAAAA", "2021-12-03T00:13:36.000Z", 1, 34, 7, pci),
        .init("G2GpYf8PbwJoAf8AAEASAAAAAAAA", "2021-12-03T00:13:15.000Z", 1, 0, 18, wake),
        .init("11epYf8PbwJoAf8AAEASAAAAAAAA", "2021-12-02T23:33:43.000Z", 1, 0, 18, wake),
        .init("u/moYf8PbwJoAf8AAEASAAAAAAAA", "2021-12-02T16:52:11.000Z", 1, 0, 18, wake),
    ]

    @Test func fixtureHoldsTheRecordsListedHere() throws {
        #expect(try Fixture.eventRecords() == Self.log.map(\.record))
    }

    @Test(arguments: log)
    func decodes(_ want: Expected) throws {
        let got = try EventLogDecoder.decode(base64Record: want.record)
        #expect(iso(got.timeStamp) == want.time)
        #expect(got.deviceAddress == 255)
        #expect(got.eventSensorType == 15)
        #expect(got.eventType == 111)
        #expect(got.eventOffset == 2)
        #expect(got.eventSourceType == 104)
        #expect(got.eventSeverity == want.severity)
        #expect(got.sensorNumber == 255)
        #expect(got.entity == want.entity)
        #expect(got.entityInstance == 0)
        #expect(got.eventData == [64, want.progress, 0, 0, 0, 0, 0, 0])
        #expect(got.entityStr == want.entityStr)
        #expect(got.desc == want.desc)
    }

    @Test(arguments: log)
    func everyTruncationThrows(_ want: Expected) throws {
        let bytes = Array(try #require(Data(base64Encoded: want.record)))
        for length in 0..<bytes.count {
            #expect(throws: LogDecodingError.wrongRecordLength(expected: 21, actual: length)) {
                try EventLogDecoder.decode(base64Record: base64(Array(bytes.prefix(length))))
            }
        }
        #expect(throws: LogDecodingError.self) {
            try EventLogDecoder.decode(base64Record: base64(bytes + [0]))
        }
    }

    @Test func wholeLogKeepsDeviceOrder() throws {
        let records = try EventLogDecoder.decodeLog(base64Records: Fixture.eventRecords())
        #expect(records.map { iso($0.timeStamp) } == Self.log.map(\.time))
        // AMT serves the newest record first.
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.timeStamp >= $1.timeStamp })
    }

    /// The reference v2 JSON for the first record, as the spec prints it.
    @Test func encodesTheReferenceJSON() throws {
        let record = try EventLogDecoder.decode(base64Record: "YiexYf8PbwJoAf8AAEASAAAAAAAA")
        let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        let want = #"{"DeviceAddress":255,"EventSensorType":15,"EventType":111,"EventOffset":2,"#
            + #""EventSourceType":104,"EventSeverity":1,"SensorNumber":255,"Entity":0,"#
            + #""EntityInstance":0,"EventData":[64,18,0,0,0,0,0,0],"#
            + #""TimeStamp":"2021-12-08T21:45:06.000Z","EntityStr":"Unspecified","#
            + #""Desc":"Calling operating system wake-up vector"}"#
        #expect(try canonicalJSON(json) == canonicalJSON(want))
        #expect(try JSONDecoder().decode(EventLogRecord.self, from: Data(json.utf8)) == record)
    }
}

@Suite struct EventLogRuleTests {
    /// A 21-byte record with the given sensor type, offset, entity and data.
    static func record(
        time: UInt32 = 1_638_999_906, sensor: UInt8, offset: UInt8 = 0, entity: UInt8 = 0,
        data: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
    ) -> String {
        let t = [UInt8(time & 0xFF), UInt8(time >> 8 & 0xFF), UInt8(time >> 16 & 0xFF),
                 UInt8(time >> 24)]
        return base64(t + [255, sensor, 111, offset, 104, 2, 255, entity, 0] + data)
    }

    static func desc(_ sensor: UInt8, offset: UInt8 = 0, _ data: [UInt8]) throws -> String? {
        try EventLogDecoder.decode(base64Record: record(sensor: sensor, offset: offset, data: data))
            .desc
    }

    @Test func authenticationFailures() throws {
        #expect(try Self.desc(6, [0, 3, 1, 0, 0, 0, 0, 0])
            == "Authentication failed 259 times. The system may be under attack.")
    }

    @Test func firmwareErrorsAndProgress() throws {
        #expect(try Self.desc(15, [235, 1, 0, 0, 0, 0, 0, 0]) == "Invalid Data")
        #expect(try Self.desc(15, offset: 0, [0, 8, 0, 0, 0, 0, 0, 0])
            == "Removable boot media not found.")
        #expect(try Self.desc(15, offset: 0, [0, 13, 0, 0, 0, 0, 0, 0])
            == "CPU speed matching failure")
        #expect(try Self.desc(15, offset: 0, [0, 14, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(try Self.desc(15, offset: 1, [0, 1, 0, 0, 0, 0, 0, 0]) == "Memory initialization.")
        #expect(try Self.desc(15, offset: 2, [0, 25, 0, 0, 0, 0, 0, 0])
            == "Primary processor initialization")
        #expect(try Self.desc(15, offset: 2, [0, 26, 0, 0, 0, 0, 0, 0]) == nil)
    }

    @Test func agentWatchdog() throws {
        #expect(try Self.desc(18, [170, 0x01, 0x02, 0x0A, 0xFF, 0x05, 0xB6, 4])
            == "Agent watchdog FF0A0201-B605-... changed to Running")
        #expect(try Self.desc(18, [170, 0, 0, 0, 0, 0, 0, 16])?.hasSuffix("to Suspended") == true)
        #expect(try Self.desc(18, [170, 0, 0, 0, 0, 0, 0, 3]) == nil)
        #expect(try Self.desc(18, [169, 0, 0, 0, 0, 0, 0, 4]) == nil)
    }

    @Test func fixedTexts() throws {
        let zeros: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(try Self.desc(30, zeros) == "No bootable media")
        #expect(try Self.desc(32, zeros) == "Operating system lockup or power interrupt")
        #expect(try Self.desc(35, zeros) == "System boot failure")
        #expect(try Self.desc(37, zeros)
            == "System firmware started (at least one CPU is properly executing).")
        #expect(try Self.desc(99, zeros) == "Unknown Sensor Type #99")
        #expect(try Self.desc(0, zeros) == "Unknown Sensor Type #0")
    }

    @Test func entityNames() throws {
        func name(_ entity: UInt8) throws -> String {
            try EventLogDecoder.decode(base64Record: Self.record(sensor: 30, entity: entity))
                .entityStr
        }
        #expect(try name(35) == "Intel(r) ME")
        #expect(try name(46) == "Management controller firmware")
        #expect(try name(52) == "Processor front side bus")
        #expect(try name(53) == "Unknown")
        #expect(try name(255) == "Unknown")
    }

    @Test func unusedSlotsAreSkipped() throws {
        let empty = Self.record(time: 0, sensor: 15), wiped = Self.record(time: .max, sensor: 15)
        let used = Self.record(time: 1, sensor: 15)
        #expect(throws: LogDecodingError.unusedSlot) {
            try EventLogDecoder.decode(base64Record: empty)
        }
        #expect(try EventLogDecoder.decodeIfUsed(base64Record: wiped) == nil)
        let log = try EventLogDecoder.decodeLog(base64Records: [empty, used, wiped])
        #expect(log.map { $0.timeStamp.timeIntervalSince1970 } == [1])
    }

    @Test func garbageThrows() {
        #expect(throws: LogDecodingError.notBase64) {
            try EventLogDecoder.decode(base64Record: "YiexYf8P*wJoAf8AAEASAAAAAAAA")
        }
        #expect(throws: LogDecodingError.recordTooLong(characters: 32)) {
            try EventLogDecoder.decode(base64Record: String(repeating: "A", count: 32))
        }
        #expect(throws: LogDecodingError.wrongRecordLength(expected: 21, actual: 0)) {
            try EventLogDecoder.decode(base64Record: "")
        }
        #expect(throws: LogDecodingError.notBase64) {
            try EventLogDecoder.decodeLog(base64Records: [Self.record(sensor: 15), "%%"])
        }
    }

    @Test func jsonWithWrongEventDataLengthIsRejected() throws {
        let record = try EventLogDecoder.decode(base64Record: Self.record(sensor: 30))
        var object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any])
        #expect(object["Desc"] as? String == "No bootable media")
        object["EventData"] = [1, 2, 3]
        let bad = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(EventLogRecord.self, from: bad)
        }
    }

    @Test func returnValueNames() {
        #expect(AMTReturnValue.name(0) == "SUCCESS")
        #expect(AMTReturnValue.name(16) == "NOT_PERMITTED")
        #expect(AMTReturnValue.name(49) == "CERTIFICATE_NOT_READY")
        #expect(AMTReturnValue.name(1024) == "DISABLED_BY_POLICY")
        #expect(AMTReturnValue.name(2066) == "UNSUPPORTED")
        #expect(AMTReturnValue.name(2081) == "USER_CONSENT_REQUIRED")
        #expect(AMTReturnValue.name(4106) == "URL_REQUIRED")
        #expect(AMTReturnValue.name(2071) == "UNKNOWN_ERROR")
        #expect(AMTReturnValue.name(50) == "UNKNOWN_ERROR")
        #expect(AMTReturnValue.name(-1) == "UNKNOWN_ERROR")
    }
}
