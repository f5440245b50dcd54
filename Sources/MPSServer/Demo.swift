internal import Auth
internal import Crypto
public import Foundation
public import Logging
public import Simulator
internal import Store

/// `mps --demo N`: a server plus N simulated AMT devices on loopback, ready to open in a
/// browser. Devices are registered with fresh random credentials; an API key is printed once.
public enum Demo {
    /// The GUIDs of demo devices: deterministic, so a re-run reuses the same rows.
    public static func guids(count: Int) -> [String] {
        SimulatedFleet.derivedGUIDs(first: "d3e00000-0000-4000-8000-000000000001", count: count)
    }

    public static func run(server: Server, count: Int, logger: Logger) async throws -> SimulatedFleet {
        var devices: [SimulatedDevice] = []
        for (index, guid) in Self.guids(count: count).enumerated() {
            let mpsUser = "demo\(index % 1000)"
            let mpsPassword = SecretStore.generateMPSPassword()
            let amtPassword = SecretStore.generateMPSPassword() + "Aa1!"
            var fields = DeviceFields()
            fields.hostname = .some("demo-\(String(format: "%04d", index + 1))")
            fields.friendlyName = .some("Demo device \(index + 1)")
            fields.tags = ["demo", index % 2 == 0 ? "even" : "odd"]
            _ = try await server.devices.upsert(guid, fields)
            try await server.secrets.setMPSCredentials(guid: guid, username: mpsUser, password: mpsPassword)
            try await server.secrets.setAMTCredentials(guid: guid, username: "admin", password: amtPassword)
            devices.append(SimulatedDevice(
                guid: guid, mpsUsername: mpsUser, mpsPassword: mpsPassword,
                amtUsername: "admin", amtPassword: amtPassword,
                hostname: "demo-\(String(format: "%04d", index + 1))"))
        }
        let fleet = SimulatedFleet(
            devices: devices, mpsHost: "127.0.0.1", mpsPort: server.ciraPort,
            group: server.group, logger: logger.with(["component": "amt-sim"]))
        fleet.start()
        return fleet
    }

    static func main(_ settings: ServerSettings, count: Int, logger: Logger) async throws -> Int32 {
        // The demo prints an API key: unless told otherwise, it listens on loopback only.
        var settings = settings
        if settings.webHost == "0.0.0.0" { settings.webHost = "127.0.0.1" }
        if settings.tunnel.host == "0.0.0.0" { settings.tunnel.host = "127.0.0.1" }
        _ = try await CommandLineTool.migrate(settings)
        let server = try await Server.start(settings, logger: logger)
        // One demo key at a time: earlier runs' keys are revoked.
        for old in try await server.apiKeys.list() where old.name.hasPrefix("demo-") {
            _ = try await server.apiKeys.revoke(name: old.name)
        }
        let key = try await server.apiKeys.create(name: "demo-\(Int(Date().timeIntervalSince1970))")
        // No default password: the demo admin gets a fresh random one, shown once below.
        let adminPassword = CommandLineTool.randomPassword()
        if try await server.auth.users.find(name: "admin") == nil {
            try await server.auth.users.add(name: "admin", password: adminPassword)
        } else {
            try await server.auth.changePassword(name: "admin", password: adminPassword)
        }
        let fleet = try await Self.run(server: server, count: count, logger: logger)
        let scheme = settings.webTLS ? "https" : "http"
        // Written unbuffered, so that the banner reaches a pipe or log at once.
        FileHandle.standardOutput.write(Data("""

            MPS demo is running with \(count) simulated AMT device\(count == 1 ? "" : "s").
              Web UI:   \(scheme)://localhost:\(server.webPort)/   (self-signed certificate: \
            accept it, or trust \(settings.dataDirectory.path)/certs/root-cert.pem)
              Sign in:  user admin, password \(adminPassword)   (shown only once)
              API key:  \(key.key)   (shown only once; keep it)
              Try:      curl -sk -H 'X-MPS-API-Key: \(key.key)' \(scheme)://localhost:\(server.webPort)/api/v1/devices
              CIRA:     port \(server.ciraPort)
            Press Ctrl-C to stop.

            """.utf8))
        await Signals.waitForTermination()
        await fleet.stop()
        await server.stop()
        return 0
    }

}
