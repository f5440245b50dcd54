// Errors from decoding AMT audit-log and event-log records.

/// Why a base64 log record from AMT could not be decoded.
///
/// The cases name positions and lengths only, never record contents (audit records carry user
/// names and addresses), so the error is safe to log.
public enum LogDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not valid padded base64.
    case notBase64
    /// The base64 text is longer than any record of this kind can be.
    case recordTooLong(characters: Int)
    /// The record ended inside `field`, which starts at byte `offset`.
    case truncated(field: String, offset: Int)
    /// Bytes remain after the last field of an audit record.
    case trailingBytes(count: Int)
    /// The audit record's initiator type is not 0...3, so its length is unknown.
    case unknownInitiatorType(UInt8)
    /// A Kerberos initiator SID of this length cannot be a SID (8 + 4·n bytes).
    case invalidSIDLength(Int)
    /// An event-log record is not exactly `expected` bytes long.
    case wrongRecordLength(expected: Int, actual: Int)
    /// The event-log slot is unused (its timestamp is 0 or 0xFFFFFFFF).
    case unusedSlot

    public var description: String {
        switch self {
        case .notBase64: "log record is not valid base64"
        case .recordTooLong(let n): "log record is too long (\(n) base64 characters)"
        case .truncated(let field, let offset): "log record truncated in \(field) at byte \(offset)"
        case .trailingBytes(let n): "audit record has \(n) unexpected trailing bytes"
        case .unknownInitiatorType(let t): "audit record has unknown initiator type \(t)"
        case .invalidSIDLength(let n): "audit record has a Kerberos SID of invalid length \(n)"
        case .wrongRecordLength(let expected, let actual):
            "event record is \(actual) bytes, expected \(expected)"
        case .unusedSlot: "event record slot is unused"
        }
    }
}
