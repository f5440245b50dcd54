public import AMT
public import Auth
public import Crypto
public import Foundation
public import Logging
public import NetCore
internal import PasswordHash
public import Redirection
public import Store
public import Tunnel
public import Web

/// Why the server would not start. One line each, for the operator.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The running server: one tunnel manager and one store in front of REST, all on one
/// event-loop group.
public final class Server: Sendable {
    public let settings: ServerSettings
    public let group: EventLoopGroup
    public let database: Database
    public let devices: DeviceStore
    public let secrets: SecretStore
    public let apiKeys: APIKeyStore
    public let tunnels: TunnelManager
    public let amt: AMTService
    /// Web users, browser sessions, bearer and redirection tokens.
    public let auth: AuthService
    /// `/rpc` (JSON-RPC over POST and WebSocket).
    public let rpc: RPCEndpoint
    /// Open relay sessions (one per device and mode) and their history.
    public let relaySessions: RelaySessions
    /// IDE-R sessions the server serves from `<data dir>/images/`.
    public let ider: IDERService
    public let certificates: ServerCertificates
    public let ciraPort: Int
    public let webPort: Int
    private let http: HTTPServer
    private let logger: Logger
    private let housekeeping: Task<Void, Never>

    /// Opens the store (refusing a schema that is behind), loads or generates the keys and
    /// certificates, marks every device disconnected, and starts both listeners.
    /// - Parameter relayAuthenticator: who may open `/relay/webrelay.ashx`; by default the
    ///   holder of a valid `X-MPS-API-Key` (any device).
    public static func start(
        _ settings: ServerSettings, logger: Logger, relayAuthenticator: RelayAuthenticator? = nil
    ) async throws -> Server {
        try Self.makeDataDirectory(settings.dataDirectory)
        let dbPath = settings.dataDirectory.appendingPathComponent("mps.sqlite").path
        guard FileManager.default.fileExists(atPath: dbPath) else {
            throw StartupError("no database at \(dbPath): run `mps --migrate` first")
        }
        let database = try Database.open(path: dbPath)
        let status = try Migrator(database: database, directory: settings.migrationsDirectory).status()
        guard status.isCurrent else {
            throw StartupError("database schema is not current (\(status.summary)): run `mps --migrate`")
        }
        let masterKey = try settings.loadMasterKey(logger: logger)
        let certificates = try Self.loadCertificates(settings, logger: logger)
        let group = try EventLoopGroup(threads: settings.eventLoops)
        let hashing = HashingPool(threads: 2)
        let devices = DeviceStore(database: database)
        let secrets = SecretStore(database: database, masterKey: masterKey, hashing: hashing,
                                  logger: logger)
        let apiKeys = APIKeyStore(database: database)
        let reset = try await devices.markAllDisconnected(instance: nil, at: Date())
        if reset > 0 { logger.info("marked devices disconnected at start", metadata: ["count": "\(reset)"]) }

        let ciraTLS = try TLSContext.server(
            certificateChainPEM: certificates.chainPEM, privateKeyPEM: certificates.serverKey.pemPKCS8(),
            minimumVersion: settings.ciraMinimumTLS)
        let authority = StoreTunnelAuthority(
            devices: devices, secrets: secrets, instanceName: settings.instanceName,
            logger: logger.with(["component": "tunnel"]))
        let tunnels = TunnelManager(
            configuration: settings.tunnel, authority: authority, group: group, tls: ciraTLS,
            logger: logger.with(["component": "cira"]))
        let ciraPort: Int
        do {
            ciraPort = try tunnels.start()
        } catch {
            throw StartupError(
                "cannot listen for CIRA on \(settings.tunnel.host):\(settings.tunnel.port) (MPS_PORT): \(error)")
        }

        let client = WSMANClient(
            tunnels: tunnels, credentials: secrets, timeout: settings.wsmanTimeout,
            logger: logger.with(["component": "wsman"]))
        let amt = AMTService(
            transport: client, connectivity: tunnels,
            registry: StoreDeviceRegistry(devices: devices, secrets: secrets, tunnels: tunnels))

        let auth = try Self.makeAuth(settings, database: database, hashing: hashing, logger: logger)
        let webAuth = WebAuth(service: auth, secure: settings.webTLS, now: settings.now)
        let deviceService = DeviceService(devices: devices, secrets: secrets, tunnels: tunnels)

        // Relay and IDE-R wiring (issue 5).
        let relaySessions = RelaySessions()
        let amtCredentials: @Sendable (String) async -> AMTCredentials? = { guid in
            try? await secrets.amtCredentials(guid: guid)
        }
        let images = DiskImageLibrary(directory: settings.dataDirectory.appendingPathComponent("images"))
        try images.prepare()
        let ider = IDERService(
            tunnels: tunnels, sessions: relaySessions, library: images, credentials: amtCredentials,
            logger: logger.with(["component": "ider"]))
        let relayAuthenticate = relayAuthenticator
            ?? Self.relayAuthenticator(webAuth: webAuth, auth: auth, apiKeys: apiKeys, now: settings.now)

        let rpc = RPCEndpoint(auth: webAuth, logger: logger.with(["component": "rpc"]))
        RPCMethods(
            devices: deviceService, amt: amt, auth: auth, apiKeys: apiKeys,
            rootCertificatePEM: certificates.rootPEM,
            rootFingerprint: (try? Certificate(pem: certificates.rootPEM).sha256Fingerprint) ?? "",
            redirections: { relaySessions.status(guid: $0) },
            now: settings.now
        ).register(on: rpc.dispatcher)
        Self.wireNotifications(rpc: rpc, sessions: auth.sessions, devices: deviceService)

        var router = Router()
        DeviceRoutes(service: deviceService).register(on: &router)
        AMTRoutes(amt: amt, redirections: { relaySessions.status(guid: $0) }).register(on: &router)
        IDERRoutes(service: ider).register(on: &router)
        OpenAPIRoute().register(on: &router)
        ServerRoutes(database: database, rootCertificatePEM: certificates.rootPEM)
            .register(on: &router)
        let templates = Templates(directory: settings.templatesDirectory)
        AuthRoutes(auth: webAuth, devices: devices, templates: templates).register(on: &router)
        rpc.register(on: &router)
        var app = WebApplication(
            router: router, apiKeys: apiKeys, secure: settings.webTLS,
            publicPaths: ServerRoutes.publicPaths.union([OpenAPIRoute.path]).union(AuthRoutes.publicPaths),
            staticFiles: settings.publicDirectory.map { StaticFiles(directory: $0) })
        app.auth = webAuth
        app.templates = templates
        app.webSockets[RPCEndpoint.path] = rpc.webSocketRoute
        RelayRoute(
            tunnels: tunnels, sessions: relaySessions, credentials: amtCredentials,
            authenticate: relayAuthenticate
        ).register(on: &app)
        let application = app
        let webTLS = settings.webTLS
            ? try TLSContext.server(
                certificateChainPEM: certificates.chainPEM,
                privateKeyPEM: certificates.serverKey.pemPKCS8(), minimumVersion: .tls1_2)
            : nil
        let http: HTTPServer
        do {
            http = try HTTPServer(
                host: settings.webHost, port: settings.webPort, tls: webTLS, group: group,
                configuration: HTTPServerConfiguration(secure: settings.webTLS),
                logger: logger.with(["component": "http"])
            ) { context in await application.respond(context) }
        } catch {
            await tunnels.stop()
            throw StartupError(
                "cannot listen for the web UI/API on \(settings.webHost):\(settings.webPort) (MPS_WEB_PORT): \(error)")
        }

        logger.info("mps started", metadata: [
            "cira.port": "\(ciraPort)", "web.port": "\(http.port)",
            "web.tls": "\(settings.webTLS)", "common.name": settings.commonName,
        ])
        return Server(
            settings: settings, group: group, database: database, devices: devices,
            secrets: secrets, apiKeys: apiKeys, tunnels: tunnels, amt: amt, auth: auth, rpc: rpc,
            relaySessions: relaySessions, ider: ider,
            certificates: certificates, ciraPort: ciraPort, http: http, logger: logger)
    }

    /// Users and sessions in the store; the token secret configured or kept in `jwt.secret`.
    static func makeAuth(
        _ settings: ServerSettings, database: Database, hashing: HashingPool, logger: Logger
    ) throws -> AuthService {
        let secret = try settings.jwtSecret.map { text throws(AuthError) in try JWTSecret.configured(text) }
            ?? JWTSecret.loadOrCreate(path: settings.dataDirectory.appendingPathComponent("jwt.secret").path)
        return try AuthService(
            users: UserStore(database: database, hashing: hashing),
            sessions: SessionStore(database: database, configuration: settings.sessions),
            secret: secret, configuration: settings.auth, logger: logger.with(["component": "auth"]))
    }

    /// Ended sessions close their sockets (4401); tunnel and registry changes are pushed as
    /// `devices.changed`.
    static func wireNotifications(rpc: RPCEndpoint, sessions: SessionStore, devices: DeviceService) {
        sessions.onRevoke { id in rpc.sessionEnded(id) }
        devices.onChange { guid, device in
            rpc.publishDevice(
                guid: guid, connectionStatus: device?.connectionStatus ?? false,
                device: device.map { DeviceJSON.encode($0) })
        }
        _ = devices.tunnels.observe { event in
            let (guid, connected) = switch event {
            case .connected(let g): (g, true)
            case .disconnected(let g): (g, false)
            }
            Task {
                var device = (try? await devices.devices.get(guid)).flatMap { $0 }.map { DeviceJSON.encode($0) }
                // The stored status may lag the event by a moment; the event is the truth.
                device?["connectionStatus"] = .bool(connected)
                rpc.publishDevice(guid: guid, connectionStatus: connected, device: device)
            }
        }
    }

    private init(
        settings: ServerSettings, group: EventLoopGroup, database: Database, devices: DeviceStore,
        secrets: SecretStore, apiKeys: APIKeyStore, tunnels: TunnelManager, amt: AMTService,
        auth: AuthService, rpc: RPCEndpoint, relaySessions: RelaySessions, ider: IDERService,
        certificates: ServerCertificates, ciraPort: Int, http: HTTPServer, logger: Logger
    ) {
        self.relaySessions = relaySessions
        self.ider = ider
        self.settings = settings
        self.group = group
        self.database = database
        self.devices = devices
        self.secrets = secrets
        self.apiKeys = apiKeys
        self.tunnels = tunnels
        self.amt = amt
        self.auth = auth
        self.rpc = rpc
        self.certificates = certificates
        self.ciraPort = ciraPort
        self.webPort = http.port
        self.http = http
        self.logger = logger
        let sessions = auth.sessions
        let now = settings.now
        self.housekeeping = Task {
            var trims = TrimSchedule(fallbackSamples: 6)
            var tick = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(10))
                tick += 1
                // Ends idle and expired sessions, closing their WebSockets (4401).
                if tick % 6 == 0 { _ = try? await sessions.purgeExpired(now: now()) }
                // Give back heap pages freed by bursts (reconnect storms, large responses).
                if trims.sample(tunnels.connectedCount) {
                    devices.trimCaches()
                    OpenSSLMemory.returnIdlePages()
                    MemoryTuning.trim()
                }
            }
        }
    }

    /// Closes the listeners and tunnels, writes the final statuses, and stops the loops.
    public func stop() async {
        self.housekeeping.cancel()
        self.http.close()
        await self.ider.stopAll()
        await self.tunnels.stop()
        _ = try? await self.devices.markAllDisconnected(instance: nil, at: Date())
        self.group.shutdown()
        self.database.close()
        self.logger.info("mps stopped")
    }

    private static func makeDataDirectory(_ url: URL) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: url.path) {
            try fm.createDirectory(at: url, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
        }
    }

    private static func loadCertificates(_ settings: ServerSettings, logger: Logger) throws
        -> ServerCertificates
    {
        if let files = settings.certificateFiles {
            return try ServerCertificates.fromConfiguredFiles(
                certPath: files.cert, keyPath: files.key, caPath: files.ca)
        }
        let directory = settings.dataDirectory.appendingPathComponent("certs")
        let certs = try CertificateManager.loadOrGenerate(
            directory: directory, commonName: settings.commonName)
        if certs.generatedAll {
            logger.notice("generated a new root CA and server certificate", metadata: [
                "dir": directory.path, "root.sha256": certs.root.sha256Fingerprint,
            ])
        }
        for note in certs.notes { logger.notice("certificates: \(note)") }
        return certs
    }
}
