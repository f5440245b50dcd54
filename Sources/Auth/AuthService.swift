import Crypto
public import Foundation
public import Logging
import Store
import Synchronization

/// How a login attempt ended. `.invalid` covers unknown users, wrong passwords and disabled
/// users alike, so the answer never tells which.
public enum LoginOutcome: Sendable, Equatable {
    case success(NewSession)
    /// Too many recent failures for this address or user name; try again after the delay.
    case throttled(retryAfter: Duration)
    case invalid
}

/// How a `POST /api/v1/authorize` attempt ended.
public enum BearerOutcome: Sendable, Equatable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    case success(token: String, expiresAt: Date)
    case throttled(retryAfter: Duration)
    case invalid

    public var description: String {
        switch self {
        case .success(_, let expiresAt): "success(expires \(expiresAt.formatted(.iso8601)))"
        case .throttled(let wait): "throttled(\(wait))"
        case .invalid: "invalid"
        }
    }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// Who a valid bearer token speaks for.
public struct BearerIdentity: Sendable, Equatable {
    public let user: User
    public let expiresAt: Date
}

/// The auth facade the web layer calls: logins, sessions, bearer and redirection tokens.
///
/// It takes plain values (names, passwords, tokens, client addresses) and returns plain
/// values; it knows nothing of HTTP. Every failed login is logged at notice with the user name
/// (or a placeholder when the name is malformed) and the client address, never the password.
/// Bearer tokens default to 60 minutes rather than the reference's 24 hours: they cannot be
/// revoked one by one, so we keep them short; a password change, disable or removal ends
/// them at once because `verifyBearer` checks the user.
public final class AuthService: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var issuer = "mps"
        public var bearerLifetime: Duration = .seconds(60 * 60)
        /// Redirection (KVM/SOL/IDER relay) tokens, bound to one device.
        public var redirectionLifetime: Duration = .seconds(5 * 60)
        public var throttle = LoginThrottle.Policy()

        public init() {}
    }

    public let users: UserStore
    public let sessions: SessionStore
    public let configuration: Configuration
    private let signer: TokenSigner
    private let throttle: Mutex<LoginThrottle>
    private let logger: Logger

    /// - Parameter secret: the HS256 key, from `JWTSecret.configured` or `JWTSecret.loadOrCreate`.
    /// - Throws: `AuthError.secret` for a secret under 32 bytes.
    public init(
        users: UserStore,
        sessions: SessionStore,
        secret: [UInt8],
        configuration: Configuration = Configuration(),
        logger: Logger
    ) throws(AuthError) {
        self.users = users
        self.sessions = sessions
        self.configuration = configuration
        self.signer = try TokenSigner(secret: secret, issuer: configuration.issuer)
        self.throttle = Mutex(LoginThrottle(policy: configuration.throttle))
        self.logger = logger
    }

    // MARK: - Sessions

    /// Checks the password and starts a new session with a fresh token (field fault B36: any
    /// session cookie the client already had is ignored; the web layer should revoke it).
    public func login(name: String, password: String, client: ClientInfo, now: Date) async
        -> LoginOutcome
    {
        switch await self.checkPassword(
            name: name,
            password: password,
            client: client,
            now: now,
            via: "session"
        ) {
        case .throttled(let wait): return .throttled(retryAfter: wait)
        case .invalid: return .invalid
        case .valid(let user):
            do {
                let created = try await self.sessions.create(
                    userID: user.id,
                    client: client,
                    now: now
                )
                self.logger.info(
                    "login",
                    metadata: self.meta(user.name, client, ["session.id": "\(created.session.id)"])
                )
                return .success(created)
            } catch {
                self.logger.error(
                    "cannot create session",
                    metadata: self.meta(user.name, client, ["error": "\(error)"])
                )
                return .invalid
            }
        }
    }

    /// The session for a cookie token, or nil.
    public func session(token: String, now: Date) async -> Session? {
        await self.sessions.validate(token: token, now: now)
    }

    /// Ends the session of `token`; its WebSockets are told through `SessionStore.onRevoke`.
    @discardableResult
    public func logout(token: String) async -> Bool {
        do {
            return try await self.sessions.revoke(token: token)
        } catch {
            self.logger.error("logout could not be stored", metadata: ["error": "\(error)"])
            return false
        }
    }

    // MARK: - Bearer tokens

    /// `POST /api/v1/authorize`: a signed token for a valid name and password.
    public func authorizeBearer(name: String, password: String, client: ClientInfo, now: Date) async
        -> BearerOutcome
    {
        switch await self.checkPassword(
            name: name,
            password: password,
            client: client,
            now: now,
            via: "bearer"
        ) {
        case .throttled(let wait): return .throttled(retryAfter: wait)
        case .invalid: return .invalid
        case .valid(let user):
            let expires = now.addingTimeInterval(self.configuration.bearerLifetime.timeInterval)
            let token = self.signer.issue(
                TokenClaims(
                    subject: user.name,
                    expiresAt: expires,
                    issuer: self.configuration.issuer,
                    issuedAt: now,
                    userID: user.id,
                    credentialVersion: Self.version(of: user)
                )
            )
            self.logger.info("bearer token issued", metadata: self.meta(user.name, client, [:]))
            return .success(token: token, expiresAt: expires)
        }
    }

    /// The user behind a bearer token, or nil when it is forged, expired, device-bound (a
    /// redirection token), or its user is gone, disabled or changed since it was issued.
    public func verifyBearer(_ token: String, now: Date) async -> BearerIdentity? {
        guard let claims = self.signer.verify(token, now: now), claims.deviceID == nil,
            let uid = claims.userID, let version = claims.credentialVersion,
            let user = try? await self.users.find(id: uid), !user.disabled,
            user.name == claims.subject, version == Self.version(of: user)
        else { return nil }
        return BearerIdentity(user: user, expiresAt: claims.expiresAt)
    }

    // MARK: - Redirection tokens

    /// A short-lived token for the relay WebSocket of one device; nil for a non-UUID guid.
    /// `subject` names who asked (a user or API key name), for the audit log.
    public func issueRedirectionToken(guid: String, subject: String, now: Date) -> String? {
        guard let device = GUID.normalize(guid) else { return nil }
        return self.signer.issue(
            TokenClaims(
                subject: subject,
                deviceID: device,
                expiresAt: now.addingTimeInterval(
                    self.configuration.redirectionLifetime.timeInterval
                ),
                issuer: self.configuration.issuer,
                issuedAt: now
            )
        )
    }

    /// The claims of a valid redirection token for exactly this device, else nil.
    public func verifyRedirectionToken(_ token: String, guid: String, now: Date) -> TokenClaims? {
        guard let device = GUID.normalize(guid), let claims = self.signer.verify(token, now: now),
            let bound = claims.deviceID, constantTimeEqualText(bound, device)
        else { return nil }
        return claims
    }

    // MARK: - User changes that end sessions

    /// Sets a new password and ends every session of the user.
    public func changePassword(name: String, password: String) async throws(AuthError) {
        let user = try await self.users.setPassword(name: name, password: password)
        try await self.sessions.revokeAll(userID: user.id)
    }

    /// Disables (or enables) a user; disabling ends every session.
    public func setDisabled(name: String, _ disabled: Bool) async throws(AuthError) {
        let user = try await self.users.setDisabled(name: name, disabled)
        if disabled { try await self.sessions.revokeAll(userID: user.id) }
    }

    /// Removes a user and ends every session.
    public func removeUser(name: String) async throws(AuthError) {
        let user = try await self.users.remove(name: name)
        try await self.sessions.revokeAll(userID: user.id)
    }

    // MARK: - Internals

    private enum Check {
        case valid(User)
        case throttled(Duration)
        case invalid
    }

    private func checkPassword(
        name: String,
        password: String,
        client: ClientInfo,
        now: Date,
        via: String
    ) async
        -> Check
    {
        let address = client.address
        if let wait = self.throttle.withLock({ $0.attempt(address: address, user: name, now: now) })
        {
            self.logger.notice(
                "login refused: throttled",
                metadata: self.meta(name, client, ["auth.via": via, "auth.retry_after": "\(wait)"])
            )
            return .throttled(wait)
        }
        guard let user = await self.users.verify(name: name, password: password) else {
            self.logger.notice("login failed", metadata: self.meta(name, client, ["auth.via": via]))
            return .invalid
        }
        self.throttle.withLock { $0.confirmSuccess(address: address, user: name) }
        return .valid(user)
    }

    /// The user's credential version: `updated_at` in milliseconds, which every password change
    /// and every disable or enable moves.
    private static func version(of user: User) -> Int64 {
        Int64((user.updatedAt.timeIntervalSince1970 * 1000).rounded())
    }

    private func meta(_ name: String, _ client: ClientInfo, _ extra: [String: String]) -> [String:
        String]
    {
        var metadata = extra
        metadata["auth.user"] = UserName.loggable(name)
        metadata["client.address"] = ClientInfo.sanitized(client.address, limit: 64) ?? ""
        return metadata
    }
}

private func constantTimeEqualText(_ a: String, _ b: String) -> Bool {
    constantTimeEqual(Array(a.utf8), Array(b.utf8))
}
