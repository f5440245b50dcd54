public import Auth
internal import Foundation
public import HTTP
public import Store
public import JSON
internal import Logging

/// A WebSocket endpoint: decides on the upgrade and names the session to run on the socket.
public typealias WebSocketRoute = @Sendable (RequestContext) async throws -> WebSocketAccept

public struct WebSocketAccept: Sendable {
    public var subprotocol: String?
    public var session: @Sendable (WebSocketChannel) async -> Void

    public init(subprotocol: String? = nil, session: @escaping @Sendable (WebSocketChannel) async -> Void) {
        self.subprotocol = subprotocol
        self.session = session
    }
}

/// Checks an API key presented in `X-MPS-API-Key`; returns the key's name when valid.
public protocol APIKeyVerifier: Sendable {
    func verify(apiKey: String) async -> String?
}

/// The web application: security headers on every response, authentication, routing, and the
/// mapping of thrown errors to responses. Details of unexpected errors go to the log only.
public struct WebApplication: Sendable {
    public var router: Router
    public var publicPaths: Set<String>
    public var apiKeys: any APIKeyVerifier
    public var secure: Bool
    public var staticFiles: StaticFiles?
    /// Browser sessions and bearer tokens; nil: API keys only.
    public var auth: WebAuth?
    /// HTML error pages for browser navigations; nil: JSON errors only.
    public var templates: Templates?

    public init(router: Router, apiKeys: any APIKeyVerifier, secure: Bool,
                publicPaths: Set<String> = [], staticFiles: StaticFiles? = nil) {
        self.staticFiles = staticFiles
        self.router = router
        self.apiKeys = apiKeys
        self.secure = secure
        self.publicPaths = publicPaths
    }

    /// WebSocket endpoints by exact path. Each authenticates the upgrade itself (session cookie
    /// or token) and returns the session to run, or throws an `APIError` to refuse.
    public var webSockets: [String: WebSocketRoute] = [:]

    public func respond(_ context: RequestContext) async -> HTTPServerResult {
        if let route = self.webSockets[context.request.path.lowercased()],
            context.request.method == "GET" || !self.hasRoute(context.request)
        {
            return await self.upgrade(context, route)
        }
        var response = await self.route(context)
        self.addSecurityHeaders(&response)
        return .response(response)
    }

    private func upgrade(_ context: RequestContext, _ route: WebSocketRoute) async -> HTTPServerResult {
        var refusal: HTTPResponse
        do {
            let accept = try await route(context)
            let response = try WebSocket.upgradeResponse(for: context.request, subprotocol: accept.subprotocol)
            return .upgrade(response, session: accept.session)
        } catch let error as APIError {
            refusal = error.response
        } catch let error as WebSocketUpgradeError {
            refusal = error.response
        } catch {
            context.logger.error("websocket route failed", metadata: ["error": "\(error)"])
            refusal = APIError(status: 500, message: "Internal Server Error").response
        }
        refusal.headers.replace("Connection", "close")
        self.addSecurityHeaders(&refusal)
        return .response(refusal)
    }

    /// True when a plain HTTP route serves this method and path (`POST /rpc` beside the
    /// WebSocket `GET /rpc`).
    private func hasRoute(_ request: HTTPRequest) -> Bool {
        if case .found = self.router.match(method: request.method, path: request.path) { return true }
        return false
    }

    private func route(_ context: RequestContext) async -> HTTPResponse {
        var context = context
        let request = context.request
        switch self.router.match(method: request.method, path: request.path) {
        case .notFound:
            if request.method == "GET" || request.method == "HEAD",
                let file = self.staticFiles?.response(for: request.path)
            {
                if let auth = self.auth, Self.isUIEntry(request.path),
                    await auth.session(for: request) == nil
                {
                    return Self.redirect(WebAuth.hasSessionCookie(request) ? "/login?expired=1" : "/login")
                }
                return file
            }
            if let templates = self.templates, Self.isNavigation(request) {
                return templates.error(status: 404, message: "There is no page at this address.")
            }
            return APIError.notFound("Not Found").response
        case .methodNotAllowed(let allowed):
            var r = APIError(status: 405, message: "Method Not Allowed").response
            r.headers.replace("Allow", allowed.joined(separator: ", "))
            return r
        case .found(let handler, let parameters):
            context.parameters = parameters
            if !self.isPublic(request.path) {
                switch await self.authenticate(request) {
                case .authenticated(let principal, let session):
                    context.principal = principal
                    context.session = session
                case .unauthenticated:
                    context.logger.notice("unauthenticated api request",
                                          metadata: ["http.path": request.path])
                    if request.path.lowercased() == RPCEndpoint.path {
                        return RPCEndpoint.refusal(401, .unauthorized)
                    }
                    return APIError.unauthorized.response
                case .forbidden(let why):
                    context.logger.notice("request refused", metadata: [
                        "http.path": request.path, "reason": why, "client.address": context.remoteAddress,
                    ])
                    if request.path.lowercased() == RPCEndpoint.path {
                        return RPCEndpoint.refusal(403, .forbidden)
                    }
                    return APIError(status: 403, message: "Forbidden", description: why).response
                }
            }
            do {
                return try await handler(context)
            } catch let error as APIError {
                return error.response
            } catch {
                context.logger.error("unhandled error in route",
                                     metadata: ["http.path": request.path, "error": "\(error)"])
                return APIError(status: 500, message: "Internal Server Error").response
            }
        }
    }

    private func isPublic(_ path: String) -> Bool {
        self.publicPaths.contains(path.lowercased())
    }

    /// `X-MPS-API-Key`, then (with `auth`) a bearer token or the session cookie with CSRF.
    public func authenticate(_ request: HTTPRequest) async -> AuthCheck {
        if let key = request.headers["X-MPS-API-Key"], let name = await self.apiKeys.verify(apiKey: key) {
            return .authenticated(.apiKey(name: name), nil)
        }
        guard let auth = self.auth else { return .unauthenticated(hadSession: false) }
        return await auth.check(request)
    }

    /// The pages that open the UI: without a session they send the browser to the login page.
    static func isUIEntry(_ path: String) -> Bool {
        path == "/" || path.lowercased() == "/index.html"
    }

    /// A browser loading a page (not a script's API call).
    static func isNavigation(_ request: HTTPRequest) -> Bool {
        request.method == "GET" && !request.path.lowercased().hasPrefix("/api/")
            && (request.headers["Accept"] ?? "").contains("text/html")
    }

    static func redirect(_ location: String) -> HTTPResponse {
        var response = HTTPResponse(status: 302)
        response.headers.replace("Location", location)
        return response
    }

    private func addSecurityHeaders(_ response: inout HTTPResponse) {
        let h: [(String, String)] = [
            ("X-Content-Type-Options", "nosniff"),
            // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form
            // posts, which the CSRF defence must refuse. Nothing leaks to other sites either way.
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy",
             "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
            ("Cache-Control", "no-store"),
        ]
        for (name, value) in h where response.headers[name] == nil {
            response.headers.replace(name, value)
        }
        if self.secure {
            response.headers.replace("Strict-Transport-Security", "max-age=31536000")
        }
    }
}

extension HTTPResponse {
    /// A JSON response from a `JSONValue`.
    public static func jsonValue(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        var response = HTTPResponse(status: status)
        response.headers.replace("Content-Type", "application/json; charset=utf-8")
        response.body = value.serializedBytes()
        return response
    }
}
