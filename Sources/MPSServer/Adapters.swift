public import AMT
internal import Foundation
internal import Logging
public import Store
public import Tunnel
public import Web

/// The tunnel manager's view of the store: registration is the allowlist, MPS credentials are
/// verified by the secret store, and status events are written in order.
struct StoreTunnelAuthority: TunnelAuthority {
    let devices: DeviceStore
    let secrets: SecretStore
    let instanceName: String
    let logger: Logger

    func isRegistered(uuid: String) async -> Bool {
        do {
            return try await self.devices.exists(uuid)
        } catch {
            self.logger.error("allowlist lookup failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    func verifyCredentials(uuid: String, username: String, password: String) async -> Bool {
        await self.secrets.verifyMPSCredentials(guid: uuid, username: username, password: password)
    }

    func record(_ events: [TunnelStatusEvent]) async {
        do {
            try await self.devices.record(events.map { event in
                switch event.kind {
                case .connected: .connected(event.uuid, instance: self.instanceName, at: event.at)
                case .disconnected: .disconnected(event.uuid, at: event.at)
                case .seen: .seen(event.uuid, at: event.at)
                }
            })
        } catch {
            self.logger.error("writing connection status failed",
                              metadata: ["error": "\(error)", "events": String(events.count)])
        }
    }
}

extension SecretStore: AMTCredentialSource {
    public func amtCredentials(for guid: String) async -> AMTCredentials? {
        try? await self.amtCredentials(guid: guid)
    }
}

extension APIKeyStore: APIKeyVerifier {
    public func verify(apiKey: String) async -> String? {
        await self.verify(presented: apiKey)?.name
    }
}
