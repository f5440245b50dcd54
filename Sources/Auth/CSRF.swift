import Crypto

/// Cross-site request forgery defence for cookie-authenticated requests.
///
/// Each session has its own random token, given to the UI at login. The web layer requires it
/// in `X-CSRF-Token` on every state-changing request that a session cookie authenticates, and
/// also checks `Origin`/`Sec-Fetch-Site` with `OriginPolicy`. Bearer and API-key requests do not
/// need it: a browser never adds those headers on its own.
public enum CSRF {
    public static let headerName = "X-CSRF-Token"

    /// base64url of 32 random bytes.
    static func newToken() -> String { Base64URL.encode(SecureRandom.bytes(32)) }

    /// True for the methods that must carry the token (POST, PUT, PATCH, DELETE); GET, HEAD and
    /// OPTIONS must not change state and do not.
    public static func isStateChanging(method: String) -> Bool {
        ["POST", "PUT", "PATCH", "DELETE"].contains(method.uppercased())
    }

    /// True when `presented` is the session's token, compared in constant time. Nil, empty or
    /// oversized values are false.
    public static func verify(session: Session, presented: String?) -> Bool {
        guard let presented, !presented.isEmpty, presented.utf8.count <= 256 else { return false }
        return constantTimeEqual(session.csrfToken, presented)
    }
}
