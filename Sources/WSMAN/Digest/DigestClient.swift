// SPDX-License-Identifier: Apache-2.0

internal import Crypto

/// Client side of HTTP Digest (RFC 2617, MD5, qop=auth) as MPS speaks it to AMT.
///
/// It holds the current challenge and the nonce count for that nonce. Following RFC 7616 (the
/// decision in wsman.md §2.3), `nc` restarts at 1 when a new nonce is adopted, and `nc` and
/// `qop` are sent unquoted. Fields come in the reference's order joined by `,`. If the server
/// offered `qop` in any form we answer `qop=auth` (B18); without `qop` we fall back to the
/// RFC 2069 form. The password is used only inside ``authorization(method:uri:username:password:)``.
public struct DigestClient: Sendable, Equatable {
    public private(set) var challenge: DigestChallenge
    /// The nc of the last Authorization built under the current nonce.
    public private(set) var nonceCount: UInt32 = 0

    public init(challenge: DigestChallenge) {
        self.challenge = challenge
    }

    /// The `Authorization` value for one request, with a fresh random cnonce.
    public mutating func authorization(method: String, uri: String, username: String, password: String) -> String {
        self.authorization(
            method: method, uri: uri, username: username, password: password,
            cnonce: SecureRandom.hexToken(bytes: 8))
    }

    /// As above with a given cnonce (tests use RFC and reference vectors).
    mutating func authorization(method: String, uri: String, username: String, password: String, cnonce: String)
        -> String
    {
        self.nonceCount &+= 1
        let c = self.challenge
        let ha1 = Hash.md5Hex(username + ":" + c.realm + ":" + password)
        let ha2 = Hash.md5Hex(method + ":" + uri)
        var fields = [
            "username=" + AuthParams.quote(username), "realm=" + AuthParams.quote(c.realm),
            "nonce=" + AuthParams.quote(c.nonce), "uri=" + AuthParams.quote(uri),
        ]
        if c.qopOffered {
            let nc = Self.formatCount(self.nonceCount)
            let response = Hash.md5Hex([ha1, c.nonce, nc, cnonce, "auth", ha2].joined(separator: ":"))
            fields += ["qop=auth", "response=\"" + response + "\"", "nc=" + nc, "cnonce=" + AuthParams.quote(cnonce)]
        } else {
            fields.append("response=\"" + Hash.md5Hex(ha1 + ":" + c.nonce + ":" + ha2) + "\"")
        }
        if let opaque = c.opaque { fields.append("opaque=" + AuthParams.quote(opaque)) }
        if let algorithm = c.algorithm { fields.append("algorithm=" + algorithm) }
        return "Digest " + fields.joined(separator: ",")
    }

    /// Handles a 401 carrying `challenge`: adopts it and returns true when a retry can help
    /// (the old nonce went stale, or the server issued a different nonce); returns false when
    /// the same nonce was refused without `stale`, which means the credentials are wrong.
    public mutating func adopt(_ challenge: DigestChallenge) -> Bool {
        guard challenge.stale || challenge.nonce != self.challenge.nonce else { return false }
        self.challenge = challenge
        self.nonceCount = 0
        return true
    }

    static func formatCount(_ n: UInt32) -> String {
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
