internal import Foundation
public import HTTP
internal import Logging
public import Store
public import JSON
public import Tunnel

/// `/api/v1/devices...`: the registry of devices (the allowlist), with the reference's paths,
/// status codes and JSON shapes. Validation errors name the field.
public struct DeviceRoutes: Sendable {
    let devices: DeviceStore
    let secrets: SecretStore
    let tunnels: TunnelManager

    public init(devices: DeviceStore, secrets: SecretStore, tunnels: TunnelManager) {
        self.devices = devices
        self.secrets = secrets
        self.tunnels = tunnels
    }

    public func register(on router: inout Router) {
        router.get("/api/v1/devices") { try await self.list($0) }
        router.get("/api/v1/devices/stats") { _ in try await self.stats() }
        router.get("/api/v1/devices/tags") { _ in try await self.tags() }
        router.get("/api/v1/devices/:guid") { try await self.get($0) }
        router.post("/api/v1/devices") { try await self.upsert($0, create: true) }
        router.patch("/api/v1/devices") { try await self.upsert($0, create: false) }
        router.delete("/api/v1/devices/:guid") { try await self.delete($0) }
        router.delete("/api/v1/devices/disconnect/:guid") { try await self.disconnect($0) }
        router.put("/api/v1/devices/:guid/credentials") { try await self.setCredentials($0) }
    }

    func list(_ c: RequestContext) async throws -> HTTPResponse {
        var query = DeviceQuery()
        query.top = try c.queryInt("$top", default: 25, max: DeviceQuery.maximumTop)
        query.skip = try c.queryInt("$skip", default: 0, max: Int(Int32.max))
        let count = try c.queryBool("$count") ?? false
        query.hostname = try c.query("hostname")
        query.friendlyName = try c.query("friendlyName")
        if let status = try c.query("status") {
            switch status {
            case "0", "false": query.status = false
            case "1", "true": query.status = true
            default: throw APIError.validation("status", "status must be 0 or 1",
                                               value: .string(status), location: "query")
            }
        }
        if let tags = try c.query("tags") {
            query.tags = tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        if let method = try c.query("method") {
            switch method.uppercased() {
            case "AND": query.tagMatch = .all
            case "OR": query.tagMatch = .any
            default: throw APIError.validation("method", "method must be AND or OR",
                                               value: .string(method), location: "query")
            }
        }
        let result = try await self.devices.list(query)
        let list = JSONValue.array(result.devices.map { DeviceJSON.encode($0, listed: true) })
        if count {
            return .jsonValue(200, ["data": list, "totalCount": .int(result.totalCount)])
        }
        return .jsonValue(200, list)
    }

    func stats() async throws -> HTTPResponse {
        let s = try await self.devices.stats()
        return .jsonValue(200, [
            "totalCount": .int(s.totalCount), "connectedCount": .int(s.connectedCount),
            "disconnectedCount": .int(s.disconnectedCount),
        ])
    }

    func tags() async throws -> HTTPResponse {
        .jsonValue(200, .array(try await self.devices.tags().map { .string($0) }))
    }

    func get(_ c: RequestContext) async throws -> HTTPResponse {
        let guid = try Self.guid(c)
        guard let device = try await self.devices.get(guid) else {
            throw APIError.notFound("NOT FOUND", description: "Device ID \(guid) not found")
        }
        return .jsonValue(200, DeviceJSON.encode(device))
    }

    /// POST creates or updates (201 / 200, as the reference); PATCH only updates (404 if absent).
    func upsert(_ c: RequestContext, create: Bool) async throws -> HTTPResponse {
        let body = try c.jsonObject()
        guard let raw = body["guid"]?.stringValue else {
            throw APIError.validation("guid", "guid is required and must be a UUID string",
                                      value: body["guid"] ?? .null)
        }
        guard let guid = GUID.normalize(raw) else {
            throw APIError.validation("guid", "guid must be a UUID", value: .string(raw))
        }
        let fields = try DeviceBody.fields(from: body)
        do {
            if create {
                let (device, created) = try await self.devices.upsert(guid, fields)
                return .jsonValue(created ? 201 : 200, DeviceJSON.encode(device))
            }
            guard let device = try await self.devices.patch(guid, fields) else {
                throw APIError.notFound("NOT FOUND", description: "Device ID \(guid) not found")
            }
            return .jsonValue(200, DeviceJSON.encode(device))
        } catch StoreError.tenantConflict {
            throw APIError(status: 409, message: "Device belongs to another tenant")
        }
    }

    func delete(_ c: RequestContext) async throws -> HTTPResponse {
        let guid = try Self.guid(c)
        guard try await self.devices.delete(guid) else {
            throw APIError.notFound("NOT FOUND", description: "Device ID \(guid) not found")
        }
        _ = try? await self.secrets.deleteAll(guid: guid)
        // Its credentials are gone, so its tunnel must not outlive it.
        self.tunnels.disconnect(guid)
        c.logger.info("device deleted", metadata: ["device.guid": guid])
        return HTTPResponse(status: 204)
    }

    func disconnect(_ c: RequestContext) async throws -> HTTPResponse {
        let guid = try Self.guid(c)
        guard self.tunnels.disconnect(guid) else { throw APIError.deviceNotConnected(guid) }
        return .jsonValue(200, [
            "success": 200, "description": .string("Device CIRA connection disconnected : \(guid)"),
        ])
    }

    /// Write-only device secrets. Never echoed back, never logged.
    func setCredentials(_ c: RequestContext) async throws -> HTTPResponse {
        let guid = try Self.guid(c)
        let body = try c.jsonObject()
        let mps = try DeviceBody.credentials(body, "mps")
        let amt = try DeviceBody.credentials(body, "amt")
        guard mps != nil || amt != nil else {
            throw APIError.validation("mps", "give mps and/or amt credentials")
        }
        guard try await self.devices.exists(guid) else {
            throw APIError.notFound("NOT FOUND", description: "Device ID \(guid) not found")
        }
        do {
            if let mps { try await self.secrets.setMPSCredentials(guid: guid, username: mps.0, password: mps.1) }
            if let amt { try await self.secrets.setAMTCredentials(guid: guid, username: amt.0, password: amt.1) }
        } catch StoreError.invalidPassword(let why) {
            throw APIError.validation("mps.password", "MPS password: \(why)")
        } catch StoreError.invalidUsername(let why) {
            throw APIError.validation("mps.username", "MPS username: \(why)")
        } catch StoreError.deviceNotFound {
            throw APIError.notFound("NOT FOUND", description: "Device ID \(guid) not found")
        }
        c.logger.info("device credentials set", metadata: [
            "device.guid": guid, "mps": mps == nil ? "unchanged" : "set",
            "amt": amt == nil ? "unchanged" : "set",
        ])
        return HTTPResponse(status: 204)
    }

    static func guid(_ c: RequestContext) throws(APIError) -> String {
        let raw = c.parameter("guid")
        guard let guid = GUID.normalize(raw) else {
            throw .validation("guid", "guid must be a UUID", value: .string(raw), location: "params")
        }
        return guid
    }
}
