// Redirection: the digest answer to AMT's challenge (redirection.md §2.4, appendix A10).
internal import Crypto
public import Store

/// Computes and encodes AuthenticateSession digest requests.
///
/// HA1 = MD5(user:realm:password), HA2 = MD5("POST:" uri); type 4 answers
/// MD5(HA1:nonce:nc:cnonce:qop:HA2), type 3 ("bad digest") MD5(HA1:nonce:HA2). All hex is
/// lowercase. It does not choose cnonce or nc; the handshake does.
public enum RedirectionDigest {
    /// The response hash for `challenge` under `credentials`.
    public static func response(
        type: RedirectionAuthType,
        credentials: AMTCredentials,
        challenge: DigestChallenge,
        cnonce: String,
        nc: String,
        uri: String = RedirectionRequest.digestURI
    ) -> String {
        let ha1 = Hash.md5Hex("\(credentials.username):\(challenge.realm):\(credentials.password)")
        let ha2 = Hash.md5Hex("POST:\(uri)")
        if type == .badDigest {
            return Hash.md5Hex("\(ha1):\(challenge.nonce):\(ha2)")
        }
        return Hash.md5Hex("\(ha1):\(challenge.nonce):\(nc):\(cnonce):\(challenge.qop):\(ha2)")
    }

    /// The complete AuthenticateSession answering `challenge`: user, realm, nonce, uri,
    /// cnonce, nc, response and (type 4 only) qop.
    /// - Throws: `RedirectionError.fieldTooLong` if a field exceeds 255 bytes.
    public static func request(
        type: RedirectionAuthType,
        credentials: AMTCredentials,
        challenge: DigestChallenge,
        cnonce: String,
        nc: String
    ) throws(RedirectionError) -> [UInt8] {
        let uri = RedirectionRequest.digestURI
        let answer = response(
            type: type,
            credentials: credentials,
            challenge: challenge,
            cnonce: cnonce,
            nc: nc
        )
        var fields = [
            credentials.username, challenge.realm, challenge.nonce, uri, cnonce, nc, answer,
        ]
        if type == .digest { fields.append(challenge.qop) }
        return try RedirectionRequest.authenticate(type: type, fields: fields)
    }
}
