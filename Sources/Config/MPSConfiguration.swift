/// A secret setting's value. It prints as `<redacted>` everywhere; read `value` to use it.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// Every server setting with its default. Load it with `load(arguments:environment:)`.
///
/// Keys are snake_case in the JSON file and `MPS_<KEY>` in the environment (see the table in
/// `MPSConfiguration+Settings.swift`). The description lists the effective values with
/// secrets redacted. This type does not read certificates or key files itself; it only holds
/// their paths.
public struct MPSConfiguration: Sendable, Equatable, CustomStringConvertible {
    public enum LogLevelName: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// FQDN or IP address devices use to reach us; the CN of a generated server certificate.
    public var commonName = "localhost"
    /// CIRA (APF over TLS) listen port; key `port`, env `MPS_PORT`.
    public var ciraPort = 4433
    public var webPort = 3000
    public var webTLS = true
    public var dataDir = "./data"
    public var logLevel = LogLevelName.info
    /// Written to `devices.mps_instance` for devices connected to this server.
    public var instanceName = "localhost"
    /// "1.2" or "1.3"; "1.0" and "1.1" only together with `ciraLegacyTLS`.
    public var ciraTLSMinVersion = "1.2"
    /// Allows TLS 1.0/1.1 for old AMT firmware (`MPS_CIRA_LEGACY_TLS`).
    public var ciraLegacyTLS = false
    public var ciraIdleTimeoutSeconds = 90
    /// Must stay below `ciraIdleTimeoutSeconds` (field fault B01).
    public var keepAliveIntervalSeconds = 30
    public var handshakeTimeoutSeconds = 30
    public var wsmanTimeoutSeconds = 30
    /// CIRA listen address.
    public var listenAddress = "0.0.0.0"
    public var webListenAddress = "0.0.0.0"
    /// Update `last_seen` on every APF keep-alive.
    public var ciraLastSeen = true
    /// PEM file paths; when unset the server generates its own certificates in `dataDir`.
    public var tlsCert: String?
    public var tlsKey: String?
    public var tlsCA: String?
    public var webTLSCert: String?
    public var webTLSKey: String?
    public var webTLSCA: String?
    /// The 32-byte master key file (env `MPS_MASTER_KEY_FILE`); defaults to `dataDir/master.key`.
    public var masterKeyFile = "./data/master.key"
    /// The master key given inline (64 hex digits or base64), instead of `masterKeyFile`.
    public var masterKey: Secret?
    /// HS256 secret for session tokens (a later issue); `MPS_JWT_SECRET` or `MPS_JWT_SECRET_FILE`.
    public var jwtSecret: Secret?
    /// Bearer token lifetime in minutes (reference name; we default to 60, not 1440).
    public var jwtExpirationMinutes = 60
    /// Redirection (relay) token lifetime in minutes.
    public var redirectionExpirationMinutes = 5
    /// Browser sessions end after this long without a request...
    public var sessionIdleTimeoutSeconds = 30 * 60
    /// ...and this long after login, whatever happens.
    public var sessionAbsoluteTimeoutSeconds = 8 * 3600
    /// Certificate subject fields.
    public var country = "US"
    public var organization: String?

    public init() {}

    /// One line for the startup log: every setting, secrets shown only as set or unset.
    public func effectiveSummary() -> String {
        Self.settings.map { "\($0.key)=\($0.render(self))" }.joined(separator: " ")
    }

    public var description: String { "MPSConfiguration(\(self.effectiveSummary()))" }
}
