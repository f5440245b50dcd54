public import Auth
public import Foundation
public import HTTP

/// How a request proved who it is, as the web layer checks it.
public enum AuthCheck: Sendable {
    case authenticated(Principal, Session?)
    /// No credential, or none that is valid. `hadSession` says a session cookie was sent (the
    /// UI then tells the user that the session expired).
    case unauthenticated(hadSession: Bool)
    /// A valid session cookie on a state-changing request that fails the CSRF defence.
    case forbidden(String)
}

/// The browser-session, bearer and CSRF rules of the web layer, over `AuthService`.
///
/// Accepted credentials, in order: `X-MPS-API-Key`, `Authorization: Bearer` (a token from
/// `POST /api/v1/authorize`; a redirection token is refused), the session cookie. A session
/// cookie on POST, PUT, PATCH or DELETE also needs the session's `X-CSRF-Token` and a
/// same-origin `Origin`/`Sec-Fetch-Site` (when the browser sends them); API keys and bearer
/// tokens are never sent by a browser on its own, so they need neither.
public struct WebAuth: Sendable {
    public let service: AuthService
    /// HTTPS: cookies get `Secure`.
    public let secure: Bool
    public let now: @Sendable () -> Date

    public init(service: AuthService, secure: Bool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.service = service
        self.secure = secure
        self.now = now
    }

    /// The first valid session among the request's session cookies, with its token.
    public func session(for request: HTTPRequest) async -> (session: Session, token: String)? {
        for token in Self.cookieTokens(request) {
            if let session = await self.service.session(token: token, now: self.now()) {
                return (session, token)
            }
        }
        return nil
    }

    static func cookieTokens(_ request: HTTPRequest) -> [String] {
        request.headers.values("Cookie").flatMap { SessionCookie.tokens(fromCookieHeader: $0) }
    }

    /// Whether the request carries any session cookie at all (valid or not).
    static func hasSessionCookie(_ request: HTTPRequest) -> Bool {
        request.headers.values("Cookie").contains { header in
            header.split(separator: ";").contains {
                $0.split(separator: "=", maxSplits: 1).first?
                    .trimmingCharacters(in: .whitespaces) == SessionCookie.name
            }
        }
    }

    /// The bearer token, session and CSRF checks (the API key is checked by the application).
    public func check(_ request: HTTPRequest) async -> AuthCheck {
        if let value = request.headers["Authorization"] {
            guard let token = Self.bearerToken(value),
                let identity = await self.service.verifyBearer(token, now: self.now())
            else { return .unauthenticated(hadSession: false) }
            return .authenticated(.bearer(subject: identity.user.name), nil)
        }
        guard let (session, _) = await self.session(for: request) else {
            return .unauthenticated(hadSession: Self.hasSessionCookie(request))
        }
        if CSRF.isStateChanging(method: request.method) {
            if let refusal = Self.crossSiteRefusal(request) { return .forbidden(refusal) }
            guard CSRF.verify(session: session, presented: request.headers[CSRF.headerName]) else {
                return .forbidden("missing or wrong \(CSRF.headerName) header")
            }
        }
        return .authenticated(.session(user: session.userName, id: session.id.rawValue), session)
    }

    /// Why the browser headers show another site, or nil when they do not.
    static func crossSiteRefusal(_ request: HTTPRequest) -> String? {
        let allowed = OriginPolicy.allows(
            origin: request.headers["Origin"], secFetchSite: request.headers["Sec-Fetch-Site"],
            host: request.headers["Host"] ?? "")
        return allowed ? nil : "cross-site request refused"
    }

    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    func setCookie(_ created: NewSession) -> String {
        SessionCookie.setCookie(
            token: created.token, expiresAt: created.expiresAt, now: self.now(), secure: self.secure)
    }

    var clearCookie: String { SessionCookie.clearCookie(secure: self.secure) }
}
