internal import Foundation
public import Logging
public import JSON
public import Store
public import Redirection
public import Tunnel
internal import Synchronization

/// Every device-registry operation, once: the REST routes and the JSON-RPC methods both call
/// it, so validation, statuses and side effects (secrets removed with the device, its tunnel
/// dropped) cannot drift apart. Failures are `APIError`s in the REST shape; the RPC layer
/// maps them to JSON-RPC errors in one place (`RPCBridge.rpcError`).
public final class DeviceService: Sendable {
    /// A registry change: the device as stored now, or nil when it was deleted.
    public typealias ChangeObserver = @Sendable (_ guid: String, _ device: Device?) -> Void

    public let devices: DeviceStore
    public let secrets: SecretStore
    public let tunnels: TunnelManager
    private let observers = Mutex<[ChangeObserver]>([])

    public init(devices: DeviceStore, secrets: SecretStore, tunnels: TunnelManager) {
        self.devices = devices
        self.secrets = secrets
        self.tunnels = tunnels
    }

    /// Calls `observer` after every create, update and delete made through this service.
    public func onChange(_ observer: @escaping ChangeObserver) {
        self.observers.withLock { $0.append(observer) }
    }

    private func changed(_ guid: String, _ device: Device?) {
        for observer in self.observers.withLock({ $0 }) { observer(guid, device) }
    }

    public func list(_ query: DeviceQuery) async throws -> DeviceList {
        try await self.devices.list(query)
    }

    public func stats() async throws -> DeviceStats { try await self.devices.stats() }

    public func tags() async throws -> [String] { try await self.devices.tags() }

    /// - Throws: `APIError` 400 for a non-UUID, 404 for an unknown device.
    public func get(_ raw: String) async throws -> Device {
        let guid = try Self.guid(raw, location: "params")
        guard let device = try await self.devices.get(guid) else { throw Self.notFound(guid) }
        return device
    }

    /// Creates or updates (`create`), or only updates, from a request body; validation names
    /// the field. Returns the stored device and whether it is new.
    public func upsert(body: [String: JSONValue], create: Bool) async throws -> (Device, Bool) {
        guard let raw = body["guid"]?.stringValue else {
            throw APIError.validation(
                "guid", "guid is required and must be a UUID string", value: body["guid"] ?? .null)
        }
        guard let guid = GUID.normalize(raw) else {
            throw APIError.validation("guid", "guid must be a UUID", value: .string(raw))
        }
        let fields = try DeviceBody.fields(from: body)
        let result: (Device, Bool)
        do {
            if create {
                let (device, created) = try await self.devices.upsert(guid, fields)
                result = (device, created)
            } else {
                guard let device = try await self.devices.patch(guid, fields) else {
                    throw Self.notFound(guid)
                }
                result = (device, false)
            }
        } catch StoreError.tenantConflict {
            throw APIError(status: 409, message: "Device belongs to another tenant")
        }
        self.changed(guid, result.0)
        return result
    }

    /// Deletes the device, its secrets, and its tunnel (its credentials are gone).
    public func delete(_ raw: String, logger: Logger) async throws {
        let guid = try Self.guid(raw, location: "params")
        guard try await self.devices.delete(guid) else { throw Self.notFound(guid) }
        _ = try? await self.secrets.deleteAll(guid: guid)
        self.tunnels.disconnect(guid)
        logger.info("device deleted", metadata: ["device.guid": guid])
        self.changed(guid, nil)
    }

    /// Drops the device's CIRA tunnel. - Throws: 404 when it has none.
    public func disconnect(_ raw: String) throws(APIError) -> String {
        let guid = try Self.guid(raw, location: "params")
        guard self.tunnels.disconnect(guid) else { throw APIError.deviceNotConnected(guid) }
        return guid
    }

    /// Write-only device secrets from `{"mps": {username, password}, "amt": {...}}`. Never
    /// echoed back, never logged.
    public func setCredentials(_ raw: String, body: [String: JSONValue], logger: Logger) async throws {
        let guid = try Self.guid(raw, location: "params")
        let mps = try DeviceBody.credentials(body, "mps")
        let amt = try DeviceBody.credentials(body, "amt")
        guard mps != nil || amt != nil else {
            throw APIError.validation("mps", "give mps and/or amt credentials")
        }
        guard try await self.devices.exists(guid) else { throw Self.notFound(guid) }
        do {
            if let mps {
                try await self.secrets.setMPSCredentials(guid: guid, username: mps.0, password: mps.1)
            }
            if let amt {
                try await self.secrets.setAMTCredentials(guid: guid, username: amt.0, password: amt.1)
            }
        } catch StoreError.invalidPassword(let why) {
            throw APIError.validation("mps.password", "MPS password: \(why)")
        } catch StoreError.invalidUsername(let why) {
            throw APIError.validation("mps.username", "MPS username: \(why)")
        } catch StoreError.deviceNotFound {
            throw Self.notFound(guid)
        }
        logger.info(
            "device credentials set",
            metadata: [
                "device.guid": guid, "mps": mps == nil ? "unchanged" : "set",
                "amt": amt == nil ? "unchanged" : "set",
            ])
    }

    /// The relay sessions open to a connected device. - Throws: 404 when it has no tunnel.
    public static func redirectStatus(
        _ raw: String, isConnected: (String) -> Bool, sessions: (String) -> RedirectionStatus
    ) throws(APIError) -> JSONValue {
        let guid = try Self.guid(raw, location: "params")
        guard isConnected(guid) else { throw APIError.deviceNotConnected(guid) }
        let status = sessions(guid)
        return [
            "isKVMConnected": .bool(status.kvm), "isSOLConnected": .bool(status.sol),
            "isIDERConnected": .bool(status.ider),
        ]
    }

    /// The canonical GUID, or a 400 naming `guid`.
    public static func guid(_ raw: String, location: String) throws(APIError) -> String {
        guard let guid = GUID.normalize(raw) else {
            throw .validation("guid", "guid must be a UUID", value: .string(raw), location: location)
        }
        return guid
    }

    static func notFound(_ guid: String) -> APIError {
        APIError.notFound("NOT FOUND", description: "Device ID \(guid) not found")
    }
}
