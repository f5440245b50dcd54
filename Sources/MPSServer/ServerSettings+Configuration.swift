public import Config
internal import Crypto
public import Foundation
internal import Store

extension ServerSettings {
    /// Resolves the operator's configuration into start-up settings: paths, listeners, TLS.
    public init(configuration c: MPSConfiguration, environment: [String: String]) throws {
        let data = URL(fileURLWithPath: c.dataDir, isDirectory: true).standardizedFileURL
        let migrations = try MigrationsLocator.find(environment: environment)
        self.init(dataDirectory: data, migrationsDirectory: migrations)
        self.publicDirectory = ResourceLocator.find("Public", environment: environment)
        self.templatesDirectory = ResourceLocator.find("templates", environment: environment)
        self.jwtSecret = c.jwtSecret?.value
        self.auth.bearerLifetime = .seconds(c.jwtExpirationMinutes * 60)
        self.auth.redirectionLifetime = .seconds(c.redirectionExpirationMinutes * 60)
        self.sessions.idleTimeout = .seconds(c.sessionIdleTimeoutSeconds)
        self.sessions.absoluteTimeout = .seconds(c.sessionAbsoluteTimeoutSeconds)
        self.commonName = c.commonName
        self.instanceName = c.instanceName
        self.webHost = c.webListenAddress
        self.webPort = c.webPort
        self.webTLS = c.webTLS
        self.tunnel.host = c.listenAddress
        self.tunnel.port = c.ciraPort
        self.tunnel.idleTimeout = .seconds(c.ciraIdleTimeoutSeconds)
        self.tunnel.keepAliveInterval = UInt32(c.keepAliveIntervalSeconds)
        self.tunnel.handshakeTimeout = .seconds(c.handshakeTimeoutSeconds)
        self.tunnel.recordLastSeen = c.ciraLastSeen
        self.wsmanTimeout = .seconds(c.wsmanTimeoutSeconds)
        self.tunnel.channelOpenTimeout = .seconds(min(10, max(1, c.wsmanTimeoutSeconds)))
        self.ciraMinimumTLS = switch c.ciraTLSMinVersion {
        case "1.0": .tls1_0
        case "1.1": .tls1_1
        case "1.3": .tls1_3
        default: .tls1_2
        }
        self.masterKeyPath = c.masterKeyFile
        let defaultKey = (c.dataDir as NSString).appendingPathComponent("master.key")
        self.masterKeyMayBeCreated = (c.masterKeyFile as NSString).standardizingPath
            == (defaultKey as NSString).standardizingPath
        self.masterKeyEncoded = c.masterKey?.value
        if let cert = c.tlsCert, let key = c.tlsKey {
            self.certificateFiles = (cert, key, c.tlsCA)
        }
    }
}

/// Finds a top-level folder of the repository (`Public/`): `MPS_<NAME>_DIR`, the working
/// directory, or the nearest ancestor of the executable that holds it and `Package.swift`.
enum ResourceLocator {
    static func find(_ name: String, environment: [String: String]) -> URL? {
        let fm = FileManager.default
        if let explicit = environment["MPS_\(name.uppercased())_DIR"] {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        let local = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent(name)
        if fm.fileExists(atPath: local.path) { return local }
        guard let exe = MigrationsLocator.currentExecutablePath() else { return nil }
        var dir = URL(fileURLWithPath: exe).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<12 {
            let candidate = dir.appendingPathComponent(name)
            if fm.fileExists(atPath: candidate.path),
                fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path)
            {
                return candidate
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }
}
