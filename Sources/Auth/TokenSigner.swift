import Crypto
public import Foundation

/// What a signed token says. On the wire: `iss`, `sub`, `exp` and `iat` (seconds since 1970),
/// `deviceId` (`"*"` for a login token, as the reference writes), `tenantId` (always `""`)
/// and our `uid` and `ver`.
public struct TokenClaims: Sendable, Equatable {
    public var subject: String
    /// The one device a redirection token is for; nil for a login (bearer) token.
    public var deviceID: String?
    public var expiresAt: Date
    public var issuer: String
    public var issuedAt: Date?
    /// The web user's id, so a token dies with its user even if the name is reused.
    public var userID: Int64?
    /// The user's credential version (milliseconds of its last change) when the token was
    /// issued; a later password change or disable makes it stale.
    public var credentialVersion: Int64?

    public init(
        subject: String,
        deviceID: String? = nil,
        expiresAt: Date,
        issuer: String,
        issuedAt: Date? = nil,
        userID: Int64? = nil,
        credentialVersion: Int64? = nil
    ) {
        self.subject = subject
        self.deviceID = deviceID
        self.expiresAt = expiresAt
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.userID = userID
        self.credentialVersion = credentialVersion
    }
}

/// HS256 JSON Web Tokens in compact form (RFC 7519, RFC 7515), our own small implementation.
///
/// `verify` accepts only what `issue` makes: header `alg` exactly `HS256` (never `none` or an
/// asymmetric algorithm, and no `crit`), a valid HMAC compared in constant time, our issuer,
/// a numeric `exp` in the future (`exp <= now` is expired, field fault B34) and at most
/// `maximumLength` characters. It does not support key ids, other algorithms or encryption.
public struct TokenSigner: Sendable {
    public static let maximumLength = 4096
    /// HS256 keys shorter than the hash output weaken it (RFC 7518 §3.2).
    public static let minimumSecretBytes = 32

    private let secret: [UInt8]
    public let issuer: String

    /// - Throws: `AuthError.secret` for a secret under 32 bytes.
    public init(secret: [UInt8], issuer: String) throws(AuthError) {
        guard secret.count >= Self.minimumSecretBytes else {
            throw AuthError.secret("must be at least \(Self.minimumSecretBytes) bytes")
        }
        self.secret = secret
        self.issuer = issuer
    }

    /// The compact token for `claims`.
    public func issue(_ claims: TokenClaims) -> String {
        var payload: [String: Any] = [
            "iss": claims.issuer,
            "sub": claims.subject,
            "exp": Int64(claims.expiresAt.timeIntervalSince1970.rounded(.down)),
            "deviceId": claims.deviceID ?? "*",
            "tenantId": "",
        ]
        if let issued = claims.issuedAt {
            payload["iat"] = Int64(issued.timeIntervalSince1970.rounded(.down))
        }
        if let uid = claims.userID { payload["uid"] = uid }
        if let version = claims.credentialVersion { payload["ver"] = version }
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        // Plain strings and integers always serialise.
        let json = try! JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        let signingInput = header + "." + Base64URL.encode(json)
        return signingInput + "." + Base64URL.encode(self.mac(signingInput))
    }

    /// The claims of a genuine, unexpired token from this issuer, else nil. Never throws or
    /// traps on hostile input.
    public func verify(_ token: String, now: Date) -> TokenClaims? {
        guard token.utf8.count <= Self.maximumLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Base64URL.decode(parts[0]),
            let header = Self.object(headerBytes),
            header["alg"] as? String == "HS256",
            header["crit"] == nil,
            header["typ"] == nil || header["typ"] as? String == "JWT",
            let signature = Base64URL.decode(parts[2])
        else { return nil }
        let expected = self.mac(parts[0] + "." + parts[1])
        guard constantTimeEqual(signature, expected),
            let payloadBytes = Base64URL.decode(parts[1]),
            let payload = Self.object(payloadBytes),
            payload["iss"] as? String == self.issuer,
            let subject = payload["sub"] as? String,
            let exp = Self.seconds(payload["exp"])
        else { return nil }
        guard exp > now.timeIntervalSince1970 else { return nil }
        if let nbf = payload["nbf"] {
            guard let notBefore = Self.seconds(nbf), notBefore <= now.timeIntervalSince1970 else {
                return nil
            }
        }
        var device: String?
        if let value = payload["deviceId"] {
            guard let text = value as? String else { return nil }
            device = text == "*" ? nil : text
        }
        var version: Int64?
        if let value = payload["ver"] {
            guard let exact = Self.integer(value) else { return nil }
            version = exact
        }
        var userID: Int64?
        if let value = payload["uid"] {
            guard let exact = Self.integer(value) else { return nil }
            userID = exact
        }
        return TokenClaims(
            subject: subject,
            deviceID: device,
            expiresAt: Date(timeIntervalSince1970: exp),
            issuer: self.issuer,
            issuedAt: Self.seconds(payload["iat"]).map { Date(timeIntervalSince1970: $0) },
            userID: userID,
            credentialVersion: version
        )
    }

    private func mac(_ signingInput: some StringProtocol) -> [UInt8] {
        Hash.hmacSHA256(key: self.secret, data: Array(signingInput.utf8))
    }

    private static func object(_ bytes: [UInt8]) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }

    /// A JSON number as seconds; nil for booleans, strings, non-finite or absurd values.
    private static func seconds(_ value: Any?) -> TimeInterval? {
        guard let number = value as? NSNumber else { return nil }
        // On Linux a JSON `true` also arrives as an NSNumber; its objCType tells it apart.
        guard String(cString: number.objCType) != "c" else { return nil }
        let double = number.doubleValue
        guard double.isFinite, abs(double) < 1e12 else { return nil }
        return double
    }

    /// A JSON number that is a whole value exactly representable in a Double, else nil.
    private static func integer(_ value: Any?) -> Int64? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else {
            return nil
        }
        let double = number.doubleValue
        guard double.isFinite, abs(double) < 9e15 else { return nil }
        return Int64(exactly: double)
    }
}
