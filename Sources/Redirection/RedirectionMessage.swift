// Redirection: the messages the server side reads and writes before hand-over
// (redirection.md §2.1–§2.4). Integers of this layer are little-endian.

/// Authentication types of AuthenticateSession (§2.4).
public enum RedirectionAuthType: UInt8, Sendable, CaseIterable {
    case query = 0
    case userPassword = 1
    case kerberos = 2
    /// Digest without cnonce, nc and qop.
    case badDigest = 3
    case digest = 4
}

/// StartRedirectionSessionReply (0x11, §2.3).
public struct StartRedirectionReply: Sendable, Equatable {
    /// 0 success, 1 type unknown, 2 busy, 3 unsupported, 0xFF error.
    public var status: UInt8
    /// Bytes 4–11 (protocol and firmware version, an unknown word); empty when status != 0,
    /// because a refusal only promises 4 bytes.
    public var versionBytes: [UInt8]
    /// OEM-defined data (length at byte 12).
    public var oemData: [UInt8]

    public init(status: UInt8, versionBytes: [UInt8] = [], oemData: [UInt8] = []) {
        self.status = status
        self.versionBytes = versionBytes
        self.oemData = oemData
    }

    public static let success: UInt8 = 0
    public static let busy: UInt8 = 2

    /// A readable name for a status byte (never contains device-supplied text).
    public static func statusName(_ status: UInt8) -> String {
        switch status {
        case 0: "success"
        case 1: "type unknown"
        case 2: "busy"
        case 3: "unsupported"
        case 0xFF: "error"
        default: "status \(status)"
        }
    }
}

/// AuthenticateSessionReply (0x14, §2.4): status, the echoed type and its data.
public struct AuthenticateSessionReply: Sendable, Equatable {
    /// 0 success, 1 failure (or a challenge), 2 not supported.
    public var status: UInt8
    public var authType: UInt8
    public var data: [UInt8]

    public init(status: UInt8, authType: UInt8, data: [UInt8] = []) {
        self.status = status
        self.authType = authType
        self.data = data
    }

    public static let success: UInt8 = 0
    public static let failure: UInt8 = 1
    public static let notSupported: UInt8 = 2

    /// The digest challenge in `data`: realm, nonce and (for type 4 only) qop, each with a
    /// one-byte length prefix.
    /// - Throws: `RedirectionError.malformedChallenge` when a length runs past the data.
    public func challenge() throws(RedirectionError) -> DigestChallenge {
        var reader = LengthPrefixedReader(self.data)
        guard let realm = reader.next(), let nonce = reader.next() else {
            throw .malformedChallenge
        }
        var qop = ""
        if self.authType == RedirectionAuthType.digest.rawValue {
            guard let q = reader.next() else { throw .malformedChallenge }
            qop = q
        }
        return DigestChallenge(realm: realm, nonce: nonce, qop: qop)
    }
}

/// What AMT sent in a digest challenge.
public struct DigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var qop: String

    public init(realm: String, nonce: String, qop: String) {
        self.realm = realm
        self.nonce = nonce
        self.qop = qop
    }
}

/// A message from the device that the server-side handshake understands.
public enum RedirectionMessage: Sendable, Equatable {
    case startReply(StartRedirectionReply)
    case authReply(AuthenticateSessionReply)
}

/// Builders for the client-to-AMT messages of the handshake.
public enum RedirectionRequest {
    /// The digest uri every known client uses; AMT hashes `POST:<uri>` (§2.4).
    public static let digestURI = "/RedirectionService"

    /// AuthenticateSession, query of the supported types (appendix A5).
    public static let authQuery: [UInt8] = [0x13, 0, 0, 0, 0, 0, 0, 0, 0]

    /// AuthenticateSession of `type` with `fields`, each written with a one-byte length.
    /// - Throws: `RedirectionError.fieldTooLong` for a field over 255 bytes (its content is
    ///   not part of the error).
    public static func authenticate(
        type: RedirectionAuthType,
        fields: [String]
    ) throws(RedirectionError) -> [UInt8] {
        var data: [UInt8] = []
        for field in fields {
            let bytes = Array(field.utf8)
            guard bytes.count <= 255 else { throw .fieldTooLong }
            data.append(UInt8(bytes.count))
            data += bytes
        }
        let n = UInt32(data.count)
        return [0x13, 0, 0, 0, type.rawValue] + littleEndian32(n) + data
    }

    /// The "empty" digest that asks AMT for a challenge: user and uri set, the rest empty
    /// (appendix A8). Type 3 has seven fields (no qop), type 4 eight.
    public static func challengeRequest(
        type: RedirectionAuthType,
        username: String
    ) throws(RedirectionError) -> [UInt8] {
        var fields = [username, "", "", digestURI, "", "", ""]
        if type == .digest { fields.append("") }
        return try authenticate(type: type, fields: fields)
    }
}

func littleEndian32(_ value: UInt32) -> [UInt8] {
    [
        UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF),
        UInt8(value >> 24),
    ]
}

/// Reads one-byte-length-prefixed strings; nil when a length runs past the end.
struct LengthPrefixedReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> String? {
        guard offset < bytes.count else { return nil }
        let length = Int(bytes[offset])
        let start = offset + 1
        guard start + length <= bytes.count else { return nil }
        offset = start + length
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }
}
