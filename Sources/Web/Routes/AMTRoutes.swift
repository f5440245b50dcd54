public import AMT
internal import Foundation
public import HTTP
internal import Logging
public import Tunnel

/// `/api/v1/amt/...`: AMT operations through the tunnel, via the AMT service layer.
public struct AMTRoutes: Sendable {
    let amt: AMTService
    let tunnels: TunnelManager

    public init(amt: AMTService, tunnels: TunnelManager) {
        self.amt = amt
        self.tunnels = tunnels
    }

    public func register(on router: inout Router) {
        router.get("/api/v1/amt/power/state/:guid") { c in
            let guid = try self.connectedGUID(c)
            let state = try await self.run(c, guid) { () async throws(AMTError) -> Int in
                try await self.amt.powerState(guid: guid)
            }
            return .jsonValue(200, ["powerstate": .int(state)])
        }
    }

    /// The CIRA check: 404 with the reference's message when the device has no tunnel.
    func connectedGUID(_ c: RequestContext) throws(APIError) -> String {
        let guid = c.parameter("guid").lowercased()
        guard self.tunnels.isConnected(guid) else { throw APIError.deviceNotConnected(guid) }
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
}

extension APIError {
    /// Device errors as statuses: no tunnel 404, silence 504, upstream refusals 502.
    init(amt error: AMTError, guid: String) {
        switch error {
        case .notConnected:
            self = .deviceNotConnected(guid)
        case .timeout:
            self.init(status: 504, message: "Gateway Timeout",
                      description: "device \(guid) did not answer in time")
        case .noCredentials:
            self.init(status: 409, message: "No AMT credentials stored for the device",
                      description: "PUT /api/v1/devices/\(guid)/credentials first")
        case .tunnel(.openTimedOut):
            self.init(status: 504, message: "Gateway Timeout",
                      description: "device \(guid) did not open a channel in time")
        case .tunnel(let t):
            self.init(status: 502, message: "Bad Gateway", description: "tunnel: \(t)")
        case .wsman(let w):
            self.init(status: 502, message: "Bad Gateway", description: "device answered: \(w)")
        case .unexpectedResponse(let s):
            self.init(status: 502, message: "Bad Gateway", description: s)
        }
    }
}
