internal import Foundation
public import HTTP
internal import Logging
public import Store
public import JSON
public import Tunnel

/// `/api/v1/devices...`: the registry of devices (the allowlist), with the reference's paths,
/// status codes and JSON shapes. Validation errors name the field. The operations themselves
/// live in `DeviceService`, which the JSON-RPC methods call too; these handlers only read the
/// HTTP request and write the HTTP response.
public struct DeviceRoutes: Sendable {
    let service: DeviceService

    public init(service: DeviceService) { self.service = service }

    public init(devices: DeviceStore, secrets: SecretStore, tunnels: TunnelManager) {
        self.service = DeviceService(devices: devices, secrets: secrets, tunnels: tunnels)
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
        let result = try await self.service.list(query)
        let list = JSONValue.array(result.devices.map { DeviceJSON.encode($0, listed: true) })
        if count {
            return .jsonValue(200, ["data": list, "totalCount": .int(result.totalCount)])
        }
        return .jsonValue(200, list)
    }

    func stats() async throws -> HTTPResponse {
        .jsonValue(200, DeviceJSON.encode(try await self.service.stats()))
    }

    func tags() async throws -> HTTPResponse {
        .jsonValue(200, .array(try await self.service.tags().map { .string($0) }))
    }

    func get(_ c: RequestContext) async throws -> HTTPResponse {
        .jsonValue(200, DeviceJSON.encode(try await self.service.get(c.parameter("guid"))))
    }

    /// POST creates or updates (201 / 200, as the reference); PATCH only updates (404 if absent).
    func upsert(_ c: RequestContext, create: Bool) async throws -> HTTPResponse {
        let (device, created) = try await self.service.upsert(body: try c.jsonObject(), create: create)
        return .jsonValue(created ? 201 : 200, DeviceJSON.encode(device))
    }

    func delete(_ c: RequestContext) async throws -> HTTPResponse {
        try await self.service.delete(c.parameter("guid"), logger: c.logger)
        return HTTPResponse(status: 204)
    }

    func disconnect(_ c: RequestContext) async throws -> HTTPResponse {
        let guid = try self.service.disconnect(c.parameter("guid"))
        return .jsonValue(200, [
            "success": 200, "description": .string("Device CIRA connection disconnected : \(guid)"),
        ])
    }

    /// Write-only device secrets. Never echoed back, never logged.
    func setCredentials(_ c: RequestContext) async throws -> HTTPResponse {
        try await self.service.setCredentials(c.parameter("guid"), body: try c.jsonObject(), logger: c.logger)
        return HTTPResponse(status: 204)
    }

    static func guid(_ c: RequestContext) throws(APIError) -> String {
        try DeviceService.guid(c.parameter("guid"), location: "params")
    }
}
