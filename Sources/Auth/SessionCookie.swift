public import Foundation

/// The session cookie's name and attributes, as header values (no HTTP types).
///
/// HttpOnly so scripts cannot read it, SameSite=Strict so other sites cannot send it, Path=/
/// and, over HTTPS, Secure. It does not use the `__Host-` prefix because plain-HTTP
/// development servers could not set it.
public enum SessionCookie {
    public static let name = "mps_session"

    /// A `Set-Cookie` value that stores `token` until `expiresAt`.
    public static func setCookie(token: String, expiresAt: Date, now: Date, secure: Bool) -> String
    {
        let maxAge = max(0, Int(expiresAt.timeIntervalSince(now).rounded(.down)))
        return "\(Self.name)=\(token); Max-Age=\(maxAge); Path=/; HttpOnly; SameSite=Strict"
            + (secure ? "; Secure" : "")
    }

    /// A `Set-Cookie` value that deletes the cookie (at logout).
    public static func clearCookie(secure: Bool) -> String {
        "\(Self.name)=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The well-formed session tokens in a `Cookie` request header, at most four, in order.
    /// A browser may send the name twice (for example a cookie planted for a parent domain);
    /// the web layer validates each and uses the first valid one, and a planted value is never
    /// valid because we only accept tokens we issued.
    public static func tokens(fromCookieHeader header: String?) -> [String] {
        guard let header, header.utf8.count <= 8192 else { return [] }
        var found: [String] = []
        for pair in header.split(separator: ";") where found.count < 4 {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == Self.name
            else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if Base64URL.isToken(value, length: SessionStore.tokenLength) { found.append(value) }
        }
        return found
    }
}
