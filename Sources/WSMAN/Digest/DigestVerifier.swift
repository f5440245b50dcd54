// SPDX-License-Identifier: Apache-2.0

internal import Crypto
internal import Foundation

/// Server side of HTTP Digest for the device simulator: issues nonces and checks
/// Authorization headers strictly.
///
/// Rules: MD5 with qop=auth (quoted or bare `qop`/`nc`, any field order); the realm and uri
/// must match; `nc` must be strictly greater than the last one accepted for that nonce, so a
/// replayed request is refused; a nonce older than the lifetime, used too often, or unknown
/// but otherwise correct is reported ``Verdict/stale`` so the client can retry with a fresh one.
/// Responses are compared in constant time. Time comes from the caller (`now:`), so tests can
/// move it. The password is an argument of ``verify(authorization:method:uri:username:password:now:)``
/// and is never stored.
public struct DigestVerifier: Sendable {
    /// The outcome of checking one request.
    public enum Verdict: Sendable, Equatable {
        case authorized
        /// The digest is right but the nonce is expired or unknown: answer 401 with `stale=true`.
        case stale
        /// Missing, malformed, wrong or replayed: answer 401 with a fresh nonce.
        case denied
    }

    private struct NonceState: Sendable {
        var issued: ContinuousClock.Instant
        var lastCount: UInt32
        var uses: Int
    }

    public let realm: String
    public let nonceLifetime: Duration
    public let maxUsesPerNonce: Int
    private var nonces: [String: NonceState] = [:]
    private var order: [String] = []
    static let maxNonces = 64

    public init(realm: String, nonceLifetime: Duration = .seconds(300), maxUsesPerNonce: Int = 1000) {
        self.realm = realm
        self.nonceLifetime = nonceLifetime
        self.maxUsesPerNonce = maxUsesPerNonce
    }

    /// Issues a fresh nonce and returns the `WWW-Authenticate` value, AMT's format.
    public mutating func challenge(now: ContinuousClock.Instant, stale: Bool = false) -> String {
        let nonce = Data(SecureRandom.bytes(24)).base64EncodedString()
        self.nonces[nonce] = NonceState(issued: now, lastCount: 0, uses: 0)
        self.order.append(nonce)
        if self.order.count > Self.maxNonces {
            self.nonces[self.order.removeFirst()] = nil
        }
        return "Digest realm=\"\(self.realm)\", nonce=\"\(nonce)\",stale=\"\(stale ? "true" : "false")\",qop=\"auth\""
    }

    /// Checks one request's `Authorization` value.
    public mutating func verify(
        authorization: String?, method: String, uri: String, username: String, password: String,
        now: ContinuousClock.Instant
    ) -> Verdict {
        guard let header = authorization, let p = AuthParams.parse(header, scheme: "Digest"),
            let user = p["username"], let realm = p["realm"], let nonce = p["nonce"], let reqURI = p["uri"],
            let response = p["response"], let qop = p["qop"], let ncText = p["nc"], let cnonce = p["cnonce"],
            qop == "auth", ncText.utf8.count == 8, let nc = UInt32(ncText, radix: 16), nc > 0, !cnonce.isEmpty
        else { return .denied }
        if let alg = p["algorithm"], alg.lowercased() != "md5" { return .denied }
        let ha1 = Hash.md5Hex(user + ":" + realm + ":" + password)
        let ha2 = Hash.md5Hex(method + ":" + reqURI)
        let expected = Hash.md5Hex([ha1, nonce, ncText, cnonce, qop, ha2].joined(separator: ":"))
        // Evaluate every check before branching so timing does not reveal which one failed.
        let digestOK = constantTimeEqual(expected, response.lowercased())
        let userOK = constantTimeEqual(user, username)
        let realmOK = realm == self.realm
        let uriOK = reqURI == uri
        guard digestOK && userOK && realmOK && uriOK else { return .denied }
        guard var state = self.nonces[nonce] else { return .stale }
        if now - state.issued > self.nonceLifetime || state.uses >= self.maxUsesPerNonce {
            self.forget(nonce)
            return .stale
        }
        guard nc > state.lastCount else { return .denied }
        state.lastCount = nc
        state.uses += 1
        self.nonces[nonce] = state
        return .authorized
    }

    private mutating func forget(_ nonce: String) {
        self.nonces[nonce] = nil
        self.order.removeAll { $0 == nonce }
    }
}
