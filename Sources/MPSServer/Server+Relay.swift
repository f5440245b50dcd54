public import Auth
public import Foundation
internal import HTTP
public import Store
public import Web

extension Server {
    /// Who may open a relay WebSocket, in order:
    /// - a browser session (same-origin only: a cross-site page cannot ride the cookie into a
    ///   KVM session, and `SameSite=Strict` is only the first line of defence);
    /// - a redirection token offered in `Sec-WebSocket-Protocol` (reference clients), valid
    ///   only for the device it was issued for;
    /// - an API key in `X-MPS-API-Key` (scripts and tests).
    static func relayAuthenticator(
        webAuth: WebAuth, auth: AuthService, apiKeys: APIKeyStore,
        now: @escaping @Sendable () -> Date
    ) -> RelayAuthenticator {
        { context in
            let request = context.request
            if let (session, _) = await webAuth.session(for: request) {
                guard OriginPolicy.allows(
                    origin: request.headers["Origin"], secFetchSite: request.headers["Sec-Fetch-Site"],
                    host: request.headers["Host"] ?? "")
                else { return nil }
                return RelayPrincipal(name: "user:\(session.userName)")
            }
            if let token = WebSocket.offeredProtocols(request).first,
                let guid = request.queryValue("host"),
                let claims = auth.verifyRedirectionToken(token, guid: guid, now: now())
            {
                return RelayPrincipal(name: "token:\(claims.subject)", device: GUID.normalize(guid))
            }
            if let key = request.headers["X-MPS-API-Key"], let name = await apiKeys.verify(apiKey: key) {
                return RelayPrincipal(name: "apikey:\(name)")
            }
            return nil
        }
    }
}
