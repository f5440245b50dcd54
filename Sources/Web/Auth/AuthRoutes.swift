public import Auth
public import Foundation
public import HTTP
public import JSON
internal import Logging
public import Store

/// Browser login and logout, the login page, and the reference's token endpoints:
/// `POST /auth/login`, `POST /auth/logout`, `GET /login`, `POST /api/v1/authorize` and
/// `GET /api/v1/authorize/redirection/:guid`.
public struct AuthRoutes: Sendable {
    public let auth: WebAuth
    let devices: DeviceStore
    let templates: Templates

    /// Paths that need no credential (the login itself, the page and its stylesheet).
    public static let publicPaths: Set<String> = [
        "/auth/login", "/login", "/auth/page.css", "/api/v1/authorize",
    ]

    static let invalidMessage = "Incorrect Username and/or Password!"

    public init(auth: WebAuth, devices: DeviceStore, templates: Templates) {
        self.auth = auth
        self.devices = devices
        self.templates = templates
    }

    public func register(on router: inout Router) {
        router.get("/login") { c in self.loginPage(c) }
        router.get("/auth/page.css") { _ in self.templates.stylesheet }
        router.post("/auth/login") { try await self.login($0) }
        router.post("/auth/logout") { await self.logout($0) }
        router.post("/api/v1/authorize") { try await self.authorize($0) }
        router.get("/api/v1/authorize/redirection/:guid") { try await self.redirectionToken($0) }
    }

    func loginPage(_ c: RequestContext) -> HTTPResponse {
        let message: String
        if c.request.queryValue("expired") != nil {
            message = "Your session has ended. Please sign in again."
        } else if c.request.queryValue("loggedOut") != nil {
            message = "You have signed out."
        } else {
            message = ""
        }
        return self.templates.login(message: message)
    }

    /// JSON `{username, password}` or a form post. The login form cannot carry a CSRF token
    /// (there is no session yet), so a cross-site `Origin`/`Sec-Fetch-Site` is refused instead;
    /// SameSite=Strict keeps the new cookie from being sent by other sites afterwards.
    func login(_ c: RequestContext) async throws -> HTTPResponse {
        let isForm = Self.isForm(c.request)
        if let refusal = WebAuth.crossSiteRefusal(c.request) {
            c.logger.notice("login refused: cross-site", metadata: ["client.address": c.remoteAddress])
            return isForm
                ? self.templates.error(status: 403, message: refusal)
                : APIError(status: 403, message: "Forbidden", description: refusal).response
        }
        let (name, password) = try Self.credentials(c.request, form: isForm)
        // Field fault B36: a session the browser already holds is ended, never carried over.
        for token in WebAuth.cookieTokens(c.request) { await self.auth.service.logout(token: token) }
        let client = ClientInfo(address: c.remoteAddress, userAgent: c.request.headers["User-Agent"])
        let outcome = await self.auth.service.login(
            name: name, password: password, client: client, now: self.auth.now())
        switch outcome {
        case .success(let created):
            var response: HTTPResponse
            if isForm {
                response = HTTPResponse(status: 303)
                response.headers.replace("Location", "/")
            } else {
                response = .jsonValue(200, Self.sessionJSON(created.session))
            }
            response.headers.add("Set-Cookie", self.auth.setCookie(created))
            return response
        case .throttled(let wait):
            var response = isForm
                ? self.templates.login(message: "Too many attempts. Please wait and try again.",
                                       username: name, status: 429)
                : APIError(status: 429, message: "Too Many Requests").response
            response.headers.replace("Retry-After", String(Self.seconds(wait)))
            return response
        case .invalid:
            return isForm
                ? self.templates.login(message: Self.invalidMessage, username: name, status: 401)
                : .jsonValue(401, ["error": "Unauthorized", "message": .string(Self.invalidMessage)])
        }
    }

    /// Needs the session (and its CSRF token): ends it everywhere, its WebSockets included.
    func logout(_ c: RequestContext) async -> HTTPResponse {
        if let session = c.session {
            _ = try? await self.auth.service.sessions.revoke(id: session.id)
            c.logger.info("logout", metadata: ["session.id": session.id.rawValue])
        }
        var response = HTTPResponse(status: 204)
        response.headers.add("Set-Cookie", self.auth.clearCookie)
        return response
    }

    /// `{username, password}` → `{token}`, a short-lived bearer token for the REST API.
    func authorize(_ c: RequestContext) async throws -> HTTPResponse {
        let body = try c.jsonObject()
        var errors: [JSONValue] = []
        let username = body["username"]
        if username?.stringValue == nil {
            errors.append(Self.fieldError("username", "Invalid value", username ?? .null))
        }
        if (username?.stringValue ?? "").isEmpty {
            errors.append(Self.fieldError("username", "User name is required", username ?? .null))
        }
        let password = body["password"]?.stringValue ?? ""
        if password.isEmpty {
            // The value is not echoed: it may be a password.
            errors.append(Self.fieldError("password", "Password is required", .null))
        }
        guard errors.isEmpty, let name = username?.stringValue else {
            var error = APIError(status: 400, message: "")
            error.body = ["errors": .array(errors)]
            throw error
        }
        let client = ClientInfo(address: c.remoteAddress, userAgent: c.request.headers["User-Agent"])
        switch await self.auth.service.authorizeBearer(
            name: name, password: password, client: client, now: self.auth.now())
        {
        case .success(let token, _):
            return .jsonValue(200, ["token": .string(token)])
        case .throttled(let wait):
            var response = APIError(status: 429, message: "Too Many Requests").response
            response.headers.replace("Retry-After", String(Self.seconds(wait)))
            return response
        case .invalid:
            return .jsonValue(401, ["message": .string(Self.invalidMessage)])
        }
    }

    /// A relay token bound to one registered device; an empty 404 for an unknown one.
    func redirectionToken(_ c: RequestContext) async throws -> HTTPResponse {
        let guid = try DeviceService.guid(c.parameter("guid"), location: "params")
        guard try await self.devices.exists(guid) else { return HTTPResponse(status: 404) }
        let subject = c.principal?.name ?? "unknown"
        guard
            let token = self.auth.service.issueRedirectionToken(
                guid: guid, subject: subject, now: self.auth.now())
        else { return HTTPResponse(status: 404) }
        return .jsonValue(200, ["token": .string(token)])
    }

    // MARK: Helpers

    /// `{user, csrfToken, expiresAt}`, as login and `session.get` answer.
    public static func sessionJSON(_ session: Session) -> JSONValue {
        [
            "user": .string(session.userName), "csrfToken": .string(session.csrfToken),
            "expiresAt": .string(Timestamp.format(session.expiresAt)),
        ]
    }

    static func isForm(_ request: HTTPRequest) -> Bool {
        (request.headers["Content-Type"] ?? "").lowercased()
            .hasPrefix("application/x-www-form-urlencoded")
    }

    static func credentials(_ request: HTTPRequest, form: Bool) throws(APIError) -> (String, String) {
        var name: String?
        var password: String?
        if form {
            guard let pairs = try? PercentDecoding.parseForm(request.body) else {
                throw APIError(status: 400, message: "Request body is not a valid form")
            }
            name = pairs.first { $0.name == "username" }?.value
            password = pairs.first { $0.name == "password" }?.value
        } else {
            guard let object = JSONValue.parseBody(request.body)?.dictionary else {
                throw APIError(status: 400, message: "Request body must be a JSON object")
            }
            name = object["username"]?.stringValue
            password = object["password"]?.stringValue
        }
        guard let name, !name.isEmpty else {
            throw APIError.validation("username", "User name is required")
        }
        guard let password, !password.isEmpty else {
            throw APIError.validation("password", "Password is required")
        }
        return (name, password)
    }

    static func fieldError(_ field: String, _ message: String, _ value: JSONValue) -> JSONValue {
        ["type": "field", "value": value, "msg": .string(message), "path": .string(field), "location": "body"]
    }

    /// Whole seconds for `Retry-After`, at least 1.
    static func seconds(_ wait: Duration) -> Int {
        let (seconds, attoseconds) = wait.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
