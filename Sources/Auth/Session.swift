public import Foundation

/// Where a login came from, kept with the session for audit.
public struct ClientInfo: Sendable, Equatable {
    /// The peer address as text (IPv4 or IPv6), as the web layer saw it.
    public var address: String
    public var userAgent: String?

    public init(address: String, userAgent: String? = nil) {
        self.address = address
        self.userAgent = userAgent
    }

    /// At most `limit` printable characters, so audit columns and log lines stay small and clean.
    static func sanitized(_ text: String?, limit: Int = 256) -> String? {
        guard let text else { return nil }
        let printable = text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }
        var out = String(String.UnicodeScalarView(printable))
        if out.count > limit { out = String(out.prefix(limit)) }
        return out
    }
}

/// The public handle of a session: random, unrelated to the token, safe to log. Used to close
/// WebSockets that a session authenticated when it ends.
public struct SessionID: Sendable, Hashable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { self.rawValue }
}

/// A valid session as `SessionStore.validate` returns it.
///
/// Its description leaves out the CSRF token.
public struct Session: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let id: SessionID
    public let userID: Int64
    public let userName: String
    public let createdAt: Date
    /// The latest request seen for it (in this process; the database copy lags up to a minute).
    public let lastSeenAt: Date
    /// The absolute limit: the session ends then whatever its activity.
    public let absoluteExpiresAt: Date
    /// When it ends if no request comes first.
    public let idleExpiresAt: Date
    /// The value the web layer requires in `X-CSRF-Token` on state-changing requests.
    public let csrfToken: String
    public let clientAddress: String?
    public let userAgent: String?

    /// The earlier of the two limits.
    public var expiresAt: Date { min(self.absoluteExpiresAt, self.idleExpiresAt) }

    public var description: String {
        "Session(\(self.id), user \(self.userName), expires \(Timestamp8601.text(self.expiresAt)))"
    }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror {
        Mirror(self, children: ["id": self.id, "userID": self.userID, "userName": self.userName])
    }
}

/// A session just created by a login: `token` goes into the cookie and is stored nowhere.
public struct NewSession: Sendable, Equatable, CustomStringConvertible,
    CustomDebugStringConvertible,
    CustomReflectable
{
    /// base64url of 32 random bytes (43 characters).
    public let token: String
    public let csrfToken: String
    /// The absolute limit, for the cookie's `Max-Age`.
    public let expiresAt: Date
    public let session: Session

    public var description: String {
        "NewSession(\(self.session.id), user \(self.session.userName))"
    }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["session": self.session]) }
}

enum Timestamp8601 {
    static func text(_ date: Date) -> String { date.formatted(.iso8601) }
}
