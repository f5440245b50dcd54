// SPDX-License-Identifier: Apache-2.0

/// A `WWW-Authenticate: Digest …` challenge (RFC 2617 §3.2.1).
public struct DigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    /// The qop options offered, e.g. `["auth-int", "auth"]`; empty when `qop` was empty.
    public var qopOptions: [String]
    /// Whether a `qop` parameter was present at all (even empty).
    public var qopOffered: Bool
    public var stale: Bool
    public var opaque: String?
    public var algorithm: String?

    public init(
        realm: String, nonce: String, qopOptions: [String] = ["auth"], qopOffered: Bool = true,
        stale: Bool = false, opaque: String? = nil, algorithm: String? = nil
    ) {
        self.realm = realm
        self.nonce = nonce
        self.qopOptions = qopOptions
        self.qopOffered = qopOffered
        self.stale = stale
        self.opaque = opaque
        self.algorithm = algorithm
    }

    /// Parses one header value; nil unless it is a Digest challenge with a realm and a nonce,
    /// and MD5 (or no algorithm) is asked for.
    public static func parse(wwwAuthenticate value: String) -> DigestChallenge? {
        guard let p = AuthParams.parse(value, scheme: "Digest"), let realm = p["realm"], let nonce = p["nonce"],
            !nonce.isEmpty
        else { return nil }
        if let alg = p["algorithm"], alg.lowercased() != "md5" { return nil }
        let qop = p["qop"].map { $0.split(separator: ",").map { String(trimmed($0)) }.filter { !$0.isEmpty } }
        return DigestChallenge(
            realm: realm, nonce: nonce, qopOptions: qop ?? [], qopOffered: qop != nil,
            stale: p["stale"]?.lowercased() == "true", opaque: p["opaque"], algorithm: p["algorithm"])
    }

    /// The first Digest challenge among several header values.
    public static func parse(wwwAuthenticate values: [String]) -> DigestChallenge? {
        values.lazy.compactMap { parse(wwwAuthenticate: $0) }.first
    }
}

func trimmed(_ s: Substring) -> Substring {
    var t = s
    while let f = t.first, f == " " || f == "\t" { t.removeFirst() }
    while let l = t.last, l == " " || l == "\t" { t.removeLast() }
    return t
}
