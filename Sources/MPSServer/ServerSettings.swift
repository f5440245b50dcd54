public import Auth
public import Crypto
public import Foundation
public import Tunnel
internal import Store
public import Logging

/// Everything the server needs to start, resolved from the configuration.
public struct ServerSettings: Sendable {
    public var dataDirectory: URL
    public var migrationsDirectory: URL
    public var publicDirectory: URL?
    public var commonName = "localhost"
    public var instanceName = "localhost"
    public var webHost = "0.0.0.0"
    public var webPort = 3000
    public var webTLS = true
    public var ciraMinimumTLS: TLSVersion = .tls1_2
    public var tunnel = TunnelConfiguration()
    public var wsmanTimeout: Duration = .seconds(30)
    public var masterKeyPath: String?
    /// Whether the key may be created when missing: only at the default place in the data
    /// directory. A configured path that does not exist is an error, never a fresh key (which
    /// would make every stored AMT password unreadable).
    public var masterKeyMayBeCreated = true
    public var masterKeyEncoded: String?
    /// Certificate files used as given instead of generated ones (cert chain, key).
    public var certificateFiles: (cert: String, key: String, ca: String?)?
    /// Bearer and redirection token lifetimes, login throttling.
    public var auth = AuthService.Configuration()
    /// Browser session idle and absolute timeouts.
    public var sessions = SessionStore.Configuration()
    /// The configured HS256 secret; nil: a random one in the data directory (`jwt.secret`).
    public var jwtSecret: String?
    /// The clock of logins, sessions, tokens and throttling (tests move it by hand).
    public var now: @Sendable () -> Date = { Date() }
    /// Server-rendered pages (login, errors); nil: built-in bare pages.
    public var templatesDirectory: URL?
    public var eventLoops = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))

    public init(dataDirectory: URL, migrationsDirectory: URL) {
        self.dataDirectory = dataDirectory
        self.migrationsDirectory = migrationsDirectory
    }
}

extension ServerSettings {
    /// The master key: inline (`master_key`), or the key file. The file is created only at the
    /// default place on first start, and that is logged; a configured file must exist.
    func loadMasterKey(logger: Logger?) throws -> MasterKey {
        if let encoded = self.masterKeyEncoded { return try MasterKey(encoded: encoded) }
        let path = self.masterKeyPath ?? self.dataDirectory.appendingPathComponent("master.key").path
        guard self.masterKeyMayBeCreated else { return try MasterKey.load(path: path) }
        let existed = FileManager.default.fileExists(atPath: path)
        let key = try MasterKey.loadOrCreate(path: path)
        if !existed {
            logger?.notice("generated a new master key; back it up with the database", metadata: ["path": path])
        }
        return key
    }
}
