import Crypto
import Foundation
import Logging
import MPSServer
import NetCore
import Store
import Tunnel
import Web

/// A real server on loopback with ephemeral ports and a temporary data directory, migrated.
struct TestServer {
    let server: Server
    let dataDirectory: URL
    let apiKey: String
    let client: TestHTTPClient

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func logger() -> Logger {
        let level = ProcessInfo.processInfo.environment["MPS_TEST_LOG_LEVEL"].flatMap(LogLevel.init(name:))
        return Logger(label: "test", level: level ?? .critical)
    }

    static func start(
        dataDirectory: URL? = nil, configure: (inout ServerSettings) -> Void = { _ in }
    ) async throws -> TestServer {
        try await Self.start(dataDirectory: dataDirectory, relayAuthenticator: nil, configure: configure)
    }

    /// With the relay's authenticator (Server's default: API keys).
    static func start(
        dataDirectory: URL? = nil, relayAuthenticator: RelayAuthenticator?,
        configure: (inout ServerSettings) -> Void = { _ in }
    ) async throws -> TestServer {
        let dir = dataDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("mps-e2e-\(UUID().uuidString)")
        var settings = ServerSettings(
            dataDirectory: dir,
            migrationsDirectory: Self.repositoryRoot.appendingPathComponent("migrations"))
        settings.webHost = "127.0.0.1"
        settings.webPort = 0
        settings.tunnel.host = "127.0.0.1"
        settings.tunnel.port = 0
        settings.eventLoops = 2
        // Generous for a loaded 2-core CI machine; tests of the time-outs set their own.
        settings.wsmanTimeout = .seconds(20)
        settings.tunnel.channelOpenTimeout = .seconds(10)
        configure(&settings)
        try await Self.migrate(settings)
        let server = try await Server.start(
            settings, logger: Self.logger(), relayAuthenticator: relayAuthenticator)
        let key = try await server.apiKeys.create(name: "test-\(UUID().uuidString.prefix(8))")
        let tls = try TLSContext.client(trustedRootsPEM: server.certificates.rootPEM, verifyPeer: true)
        var client = TestHTTPClient(port: server.webPort, loop: server.group.next(), tls: tls)
        client.apiKey = key.key
        return TestServer(server: server, dataDirectory: dir, apiKey: key.key, client: client)
    }

    static func migrate(_ settings: ServerSettings) async throws {
        try FileManager.default.createDirectory(at: settings.dataDirectory, withIntermediateDirectories: true)
        let db = try Database.open(path: settings.dataDirectory.appendingPathComponent("mps.sqlite").path)
        _ = try Migrator(database: db, directory: settings.migrationsDirectory).apply()
        db.close()
    }

    /// Registers a device and its credentials directly in the store.
    func registerDevice(
        _ guid: String, mpsUser: String = "mpsuser", mpsPassword: String = "Sim-Passw0rd!",
        amtPassword: String = "AMT-Passw0rd!"
    ) async throws {
        var fields = DeviceFields()
        fields.hostname = .some("host-\(guid.prefix(8))")
        _ = try await self.server.devices.upsert(guid, fields)
        try await self.server.secrets.setMPSCredentials(guid: guid, username: mpsUser, password: mpsPassword)
        try await self.server.secrets.setAMTCredentials(guid: guid, username: "admin", password: amtPassword)
    }

    func stop() async {
        await self.server.stop()
    }

    func cleanup() {
        try? FileManager.default.removeItem(at: self.dataDirectory)
    }
}
