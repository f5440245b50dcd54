public import Crypto
public import Foundation
public import Tunnel

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
    public var masterKeyEncoded: String?
    /// Certificate files used as given instead of generated ones (cert chain, key).
    public var certificateFiles: (cert: String, key: String, ca: String?)?
    public var eventLoops = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))

    public init(dataDirectory: URL, migrationsDirectory: URL) {
        self.dataDirectory = dataDirectory
        self.migrationsDirectory = migrationsDirectory
    }
}
