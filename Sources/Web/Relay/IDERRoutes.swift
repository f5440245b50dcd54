// Web: IDE-R with the server as disk provider (issue 5): list images, start, stop.
internal import Foundation
public import HTTP
internal import JSON
public import Redirection
internal import Store

/// `GET /api/v1/ider/images` → `[{"name", "size"}]`;
/// `POST /api/v1/amt/ider/{guid}` `{"image": name}` → 201 with the session;
/// `DELETE /api/v1/amt/ider/{guid}` → 200, or 404 when no session runs.
/// Errors: bad name 400, unknown image 404, device not connected 404, IDE-R already active
/// 409, device-side failures 502 with the reason (never a path or a credential).
public struct IDERRoutes: Sendable {
    let service: IDERService

    public init(service: IDERService) { self.service = service }

    public func register(on router: inout Router) {
        router.get("/api/v1/ider/images") { _ in
            .jsonValue(200, .array(self.service.images().map(Self.json)))
        }
        router.post("/api/v1/amt/ider/:guid") { try await self.start($0) }
        router.delete("/api/v1/amt/ider/:guid") { try await self.stop($0) }
    }

    static func json(_ image: DiskImageInfo) -> JSONValue {
        ["name": .string(image.name), "size": .int(Int(clamping: image.size))]
    }

    func start(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let guid = try DeviceRoutes.guid(c)
        let body = try c.jsonObject()
        guard case .string(let name)? = body["image"], !name.isEmpty else {
            throw .validation("image", "image is required and must be a string")
        }
        let record: RelaySessionRecord
        do {
            record = try await self.service.start(
                guid: guid, image: name, principal: Self.name(c.principal),
                remoteAddress: c.remoteAddress)
        } catch {
            throw Self.apiError(error, guid: guid)
        }
        return .jsonValue(201, [
            "guid": .string(guid), "image": .string(name), "id": .int(Int(record.id)),
            "started": .string(ISO8601DateFormatter().string(from: record.started)),
        ])
    }

    func stop(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let guid = try DeviceRoutes.guid(c)
        guard await self.service.stop(guid: guid) else {
            throw .notFound("no IDE-R session on \(guid)")
        }
        return .jsonValue(200, ["status": "stopped"])
    }

    static func name(_ principal: Principal?) -> String {
        switch principal {
        case .apiKey(let name)?: "apikey:\(name)"
        case .bearer(let subject)?: subject
        case .session(let user, _)?: "user:\(user)"
        case nil: "anonymous"
        }
    }

    static func apiError(_ error: IDERStartError, guid: String) -> APIError {
        switch error {
        case .image(.invalidName): .validation("image", error.description)
        case .image(.notFound): .notFound(error.description)
        case .image(.unreadable): APIError(status: 500, message: error.description)
        case .relay(.alreadyActive): APIError(status: 409, message: error.description)
        case .relay(.channelUnavailable(.notConnected)): .deviceNotConnected(guid)
        case .relay: APIError(status: 502, message: error.description)
        }
    }
}
