public import Foundation

/// What the tunnel manager asks of the rest of the server, so that it depends on no storage.
/// Calls run off the event loops; the manager awaits them and resumes the connection after.
public protocol TunnelAuthority: Sendable {
    /// The allowlist: is this device registered? Checked before any credential is looked at.
    func isRegistered(uuid: String) async -> Bool
    /// Checks the device's MPS username and password (constant time, argon2id off the loop).
    func verifyCredentials(uuid: String, username: String, password: String) async -> Bool
    /// Persists connection status changes, in the order they happened.
    func record(_ events: [TunnelStatusEvent]) async
}

/// A status change of one device, as the manager saw it.
public struct TunnelStatusEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case connected
        case disconnected
        case seen
    }

    public let uuid: String
    public let kind: Kind
    public let at: Date

    public init(uuid: String, kind: Kind, at: Date) {
        self.uuid = uuid
        self.kind = kind
        self.at = at
    }
}
