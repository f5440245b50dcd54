public import AMT
internal import Foundation
public import HTTP
public import JSON
public import Redirection
internal import Logging

/// `/api/v1/amt/...` and the device routes that reach a device (refresh, redirectstatus):
/// paths, bodies, statuses and JSON shapes of the reference (api.md §2.3, wsman.md §3), all
/// through the AMT service layer. Input is validated before the CIRA check, as in the
/// reference; a bad field is a 400 naming it.
public struct AMTRoutes: Sendable {
    let amt: AMTService
    /// The device's open relay sessions for `redirectstatus` (the relay's ``RelaySessions``).
    let redirections: @Sendable (String) -> RedirectionStatus

    public init(
        amt: AMTService,
        redirections: @escaping @Sendable (String) -> RedirectionStatus = { _ in RedirectionStatus() }
    ) {
        self.amt = amt
        self.redirections = redirections
    }

    public func register(on router: inout Router) {
        let p = "/api/v1/amt"
        router.get("\(p)/version/:guid") { c in
            try await self.device(c) { g throws(AMTError) in try await self.amt.version(guid: g) }
        }
        router.get("\(p)/generalSettings/:guid") { c in
            try await self.device(c) { g throws(AMTError) in try await self.amt.generalSettings(guid: g) }
        }
        router.get("\(p)/hardwareInfo/:guid") { c in
            try await self.device(c) { g throws(AMTError) in try await self.amt.hardwareInfo(guid: g) }
        }
        router.get("\(p)/power/state/:guid") { c in
            try await self.device(c) { g throws(AMTError) in
                ["powerstate": .int(try await self.amt.powerState(guid: g).powerState)]
            }
        }
        router.get("\(p)/power/capabilities/:guid") { c in
            try await self.device(c) { g throws(AMTError) in
                .object(
                    try await self.amt.powerCapabilities(guid: g).map {
                        JSONMember($0.label, .int($0.action))
                    })
            }
        }
        router.post("\(p)/power/action/:guid") { try await self.powerAction($0) }
        router.post("\(p)/power/bootOptions/:guid") { try await self.bootOptions($0) }
        router.get("\(p)/features/:guid") { c in
            try await self.device(c) { g throws(AMTError) in try await self.amt.features(guid: g).json }
        }
        router.post("\(p)/features/:guid") { try await self.setFeatures($0) }
        router.get("\(p)/log/audit/:guid") { try await self.auditLog($0) }
        router.get("\(p)/log/event/:guid") { c in
            try await self.device(c) { g throws(AMTError) in
                .array(try await self.amt.eventLog(guid: g).map { JSONValue.encoding($0) })
            }
        }
        router.get("\(p)/userConsentCode/:guid") { c in
            try await self.consent(c) { g throws(AMTError) in try await self.amt.requestUserConsent(guid: g) }
        }
        router.post("\(p)/userConsentCode/:guid") { try await self.sendConsentCode($0) }
        router.get("\(p)/userConsentCode/cancel/:guid") { c in
            try await self.consent(c) { g throws(AMTError) in try await self.amt.cancelUserConsent(guid: g) }
        }
        router.get("\(p)/alarmOccurrences/:guid") { c in
            try await self.device(c) { g throws(AMTError) in
                .array(try await self.amt.alarmOccurrences(guid: g))
            }
        }
        router.post("\(p)/alarmOccurrences/:guid") { try await self.addAlarm($0) }
        router.delete("\(p)/alarmOccurrences/:guid") { try await self.deleteAlarm($0) }
        router.delete("\(p)/deactivate/:guid") { try await self.deactivate($0) }
        router.delete("/api/v1/devices/refresh/:guid") { try self.refresh($0) }
        router.get("/api/v1/devices/redirectstatus/:guid") { try self.redirectStatus($0) }
    }

    // MARK: Plumbing

    /// The CIRA check: 404 with the reference's message when the device has no tunnel.
    func connectedGUID(_ c: RequestContext) throws(APIError) -> String {
        let guid = c.parameter("guid").lowercased()
        guard self.amt.isConnected(guid) else { throw APIError.deviceNotConnected(guid) }
        return guid
    }

    /// Runs an AMT operation and maps its failure to a response status.
    func run<T: Sendable>(
        _ c: RequestContext, _ guid: String, _ body: () async throws(AMTError) -> T
    ) async throws(APIError) -> T {
        do {
            return try await body()
        } catch {
            c.logger.warning("amt call failed", metadata: ["device.guid": guid, "error": "\(error)"])
            throw APIError(amt: error, guid: guid)
        }
    }

    /// CIRA check, operation, 200 with its JSON.
    func device(
        _ c: RequestContext, _ body: (String) async throws(AMTError) -> JSONValue
    ) async throws(APIError) -> HTTPResponse {
        let guid = try self.connectedGUID(c)
        return .jsonValue(
            200, try await self.run(c, guid) { () async throws(AMTError) in try await body(guid) })
    }

    /// The consent routes: the method's JSON, 200 when ReturnValue is 0 and 400 otherwise.
    func consent(
        _ c: RequestContext, _ body: (String) async throws(AMTError) -> MethodOutput
    ) async throws(APIError) -> HTTPResponse {
        let guid = try self.connectedGUID(c)
        let out = try await self.run(c, guid) { () async throws(AMTError) in try await body(guid) }
        return .jsonValue(out.returnValue == 0 ? 200 : 400, out.referenceJSON)
    }
}

extension APIError {
    /// Device errors as statuses: no tunnel 404, silence 504, upstream refusals 502 carrying
    /// the upstream status (B25), bad input 400 naming the field.
    init(amt error: AMTError, guid: String) {
        switch error {
        case .notConnected:
            self = .deviceNotConnected(guid)
        case .timeout:
            self.init(
                status: 504, message: "Gateway Timeout", description: "device \(guid) did not answer in time")
        case .noCredentials:
            self.init(
                status: 409, message: "No AMT credentials stored for the device",
                description: "PUT /api/v1/devices/\(guid)/credentials first")
        case .tunnel(.openTimedOut):
            self.init(
                status: 504, message: "Gateway Timeout", description: "device \(guid) did not open a channel in time")
        case .tunnel(let t):
            self.init(status: 502, message: "Bad Gateway", description: "tunnel: \(t)")
        case .wsman(let w):
            self.init(
                status: 502, message: "Bad Gateway", description: "device answered: \(AMTError.describe(w))")
            if case .http(let status, _) = w { self.body["upstreamStatus"] = .int(status) }
        case .unexpectedResponse(let s):
            self.init(status: 502, message: "Bad Gateway", description: s)
        case .invalidArgument(let field, let reason), .notSupported(let field, let reason):
            self = .validation(field, "\(field) \(reason)")
        case .rejected(let s):
            self.init(status: 400, message: "Incorrect URI or Bad Request", description: s)
        case .quotaExceeded:
            self.init(
                status: 400, message: "Incorrect URI or Bad Request",
                description: "quota exceeded for guid : \(guid).")
        case .notFound(let what):
            self.init(status: 404, message: "Not Found", description: "\(what) not found on guid : \(guid)")
        }
    }
}
