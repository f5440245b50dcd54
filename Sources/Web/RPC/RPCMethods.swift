public import AMT
public import Auth
public import Foundation
public import JSON
public import RPC
public import Store
public import Redirection

/// The JSON-RPC methods of docs/rpc.md. None does the work itself: devices go to
/// `DeviceService`, AMT operations to `AMTService` (with the REST routes' body validation),
/// users and tokens to `AuthService`, keys to `APIKeyStore`. Results have the REST JSON shape.
/// TODO(#4): every logged-in user may call every method; there are no roles yet.
public struct RPCMethods: Sendable {
    let devices: DeviceService
    let amt: AMTService
    let auth: AuthService
    let apiKeys: APIKeyStore
    let rootCertificatePEM: String
    let rootFingerprint: String
    let now: @Sendable () -> Date
    let redirections: @Sendable (String) -> RedirectionStatus

    public init(
        devices: DeviceService, amt: AMTService, auth: AuthService, apiKeys: APIKeyStore,
        rootCertificatePEM: String, rootFingerprint: String,
        redirections: @escaping @Sendable (String) -> RedirectionStatus,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.redirections = redirections
        self.devices = devices
        self.amt = amt
        self.auth = auth
        self.apiKeys = apiKeys
        self.rootCertificatePEM = rootCertificatePEM
        self.rootFingerprint = rootFingerprint
        self.now = now
    }

    public func register(on d: RPCDispatcher) {
        self.registerDevices(on: d)
        self.registerAMT(on: d)
        self.registerAdmin(on: d)
    }

    struct GUIDParams: Decodable, Sendable { var guid: String }

    struct ListParams: Decodable, Sendable {
        var top: Int?
        var skip: Int?
        var hostname: String?
        var status: Bool?
        var tags: [String]?
        var tagMatch: String?
    }

    struct NameParams: Decodable, Sendable { var name: String }

    struct UserParams: Decodable, Sendable {
        var name: String
        var password: String
    }

    struct Empty: Encodable, Sendable {}

    /// A time as the store and the login answer write it (ISO 8601, UTC).
    static func timestamp(_ date: Date) -> JSONValue { .string(Timestamp.format(date)) }

    /// Runs `body`, turning the service layer's errors into JSON-RPC errors for `guid`.
    static func mapped<T: Sendable>(guid: String? = nil, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw RPCBridge.rpcError(error, guid: guid)
        } catch let error as AuthError {
            throw Self.rpcError(error)
        }
    }

    static func rpcError(_ error: AuthError) -> RPCError {
        switch error {
        case .invalidName(let why): .validation(field: "name", reason: why)
        case .weakPassword(let why): .validation(field: "password", reason: why)
        case .duplicateName: .conflict("a user with that name already exists")
        case .userNotFound: .validation(field: "name", reason: "no such user")
        default: .internalError
        }
    }

    private func registerDevices(on d: RPCDispatcher) {
        d.register("devices.list", params: ListParams.self) { _, p in
            var query = DeviceQuery()
            if let top = p.top {
                guard top >= 0 else { throw RPCError.validation(field: "top", reason: "must be 0 or more") }
                query.top = min(top, DeviceQuery.maximumTop)
            }
            if let skip = p.skip {
                guard skip >= 0 else { throw RPCError.validation(field: "skip", reason: "must be 0 or more") }
                query.skip = skip
            }
            query.hostname = p.hostname
            query.status = p.status
            if let tags = p.tags { query.tags = tags.filter { !$0.isEmpty } }
            switch p.tagMatch {
            case nil, "any": query.tagMatch = .any
            case "all": query.tagMatch = .all
            default: throw RPCError.validation(field: "tagMatch", reason: "must be all or any")
            }
            let list = try await Self.mapped { try await self.devices.list(query) }
            return RPCBridge.rpcValue([
                "data": .array(list.devices.map { DeviceJSON.encode($0, listed: true) }),
                "totalCount": .int(list.totalCount),
            ])
        }
        d.register("devices.get", params: GUIDParams.self) { _, p in
            RPCBridge.rpcValue(DeviceJSON.encode(try await Self.mapped { try await self.devices.get(p.guid) }))
        }
        d.register("devices.stats", params: RPCNoParams.self) { _, _ in
            RPCBridge.rpcValue(DeviceJSON.encode(try await Self.mapped { try await self.devices.stats() }))
        }
        d.register("devices.tags", params: RPCNoParams.self) { _, _ in
            try await Self.mapped { try await self.devices.tags() }
        }
        d.register("devices.upsert", params: ObjectParams.self) { _, p in
            let (device, created) = try await Self.mapped {
                try await self.devices.upsert(body: p.object, create: true)
            }
            return RPCBridge.rpcValue(["device": DeviceJSON.encode(device), "created": .bool(created)])
        }
        d.register("devices.update", params: ObjectParams.self) { _, p in
            let (device, _) = try await Self.mapped { try await self.devices.upsert(body: p.object, create: false) }
            return RPCBridge.rpcValue(DeviceJSON.encode(device))
        }
        d.register("devices.delete", params: GUIDParams.self) { c, p in
            try await Self.mapped { try await self.devices.delete(p.guid, logger: c.logger) }
            return RPCBridge.rpcValue(["deleted": true])
        }
        d.register("devices.setCredentials", params: ObjectParams.self) { c, p in
            let guid = try p.guid()
            try await Self.mapped {
                try await self.devices.setCredentials(guid, body: p.object, logger: c.logger)
            }
            return Empty()
        }
        d.register("devices.disconnect", params: GUIDParams.self) { _, p in
            _ = try await Self.mapped(guid: p.guid.lowercased()) { try self.devices.disconnect(p.guid) }
            return Empty()
        }
        d.register("devices.redirectStatus", params: GUIDParams.self) { _, p in
            RPCBridge.rpcValue(
                try await Self.mapped(guid: p.guid.lowercased()) {
                    try DeviceService.redirectStatus(
                        p.guid, isConnected: self.amt.isConnected, sessions: self.redirections)
                })
        }
    }

    private func registerAdmin(on d: RPCDispatcher) {
        d.register("apiKeys.list", params: RPCNoParams.self) { _, _ in
            try await self.apiKeys.list().map { key in
                RPCBridge.rpcValue([
                    "name": .string(key.name), "prefix": .string(key.prefix),
                    "createdAt": Self.timestamp(key.createdAt),
                    "lastUsedAt": key.lastUsedAt.map(Self.timestamp) ?? .null,
                ])
            }
        }
        d.register("apiKeys.create", params: NameParams.self) { c, p in
            let key: NewAPIKey
            do {
                key = try await self.apiKeys.create(name: p.name)
            } catch {
                throw RPCError.validation(field: "name", reason: "cannot create a key with that name")
            }
            c.logger.info("api key created", metadata: ["apikey.name": key.info.name])
            return RPCBridge.rpcValue(["name": .string(key.info.name), "key": .string(key.key)])
        }
        d.register("apiKeys.revoke", params: NameParams.self) { _, p in
            guard try await self.apiKeys.revoke(name: p.name) else {
                throw RPCError.validation(field: "name", reason: "no such API key")
            }
            return Empty()
        }
        d.register("users.list", params: RPCNoParams.self) { _, _ in
            try await Self.mapped { try await self.auth.users.list() }.map {
                RPCBridge.rpcValue([
                    "name": .string($0.name), "disabled": .bool($0.disabled),
                    "createdAt": Self.timestamp($0.createdAt),
                ])
            }
        }
        d.register("users.add", params: UserParams.self) { _, p in
            let user = try await Self.mapped { try await self.auth.users.add(name: p.name, password: p.password) }
            return RPCBridge.rpcValue(["name": .string(user.name)])
        }
        d.register("users.setPassword", params: UserParams.self) { _, p in
            try await Self.mapped { try await self.auth.changePassword(name: p.name, password: p.password) }
            return Empty()
        }
        d.register("users.remove", params: NameParams.self) { _, p in
            try await Self.mapped { try await self.auth.removeUser(name: p.name) }
            return Empty()
        }
        d.register("certificates.root", params: RPCNoParams.self) { _, _ in
            RPCBridge.rpcValue(["pem": .string(self.rootCertificatePEM), "sha256": .string(self.rootFingerprint)])
        }
        d.register("redirection.token", params: GUIDParams.self) { c, p in
            let guid = try await Self.mapped { try await self.devices.get(p.guid).guid }
            let subject = RPCCaller.current?.principal.name ?? c.principal ?? "unknown"
            guard let token = self.auth.issueRedirectionToken(guid: guid, subject: subject, now: self.now())
            else { throw RPCError.validation(field: "guid", reason: "guid must be a UUID") }
            return RPCBridge.rpcValue(["token": .string(token)])
        }
    }
}
