public import Tunnel
public import WSMAN

/// Why an AMT operation failed, in terms the REST and RPC layers map to statuses. No case
/// carries a credential or a raw device body.
public enum AMTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The device has no CIRA tunnel (REST: 404).
    case notConnected
    /// No AMT credentials are stored for the device.
    case noCredentials
    /// The device did not answer within the per-call timeout (REST: 504).
    case timeout
    /// The tunnel failed (channel refused, closed).
    case tunnel(TunnelError)
    /// The device answered with a SOAP fault or a non-200 HTTP status (B25: upstream error).
    case wsman(WSMANError)
    /// The device answered, but not with what the operation needs.
    case unexpectedResponse(String)
    /// An input value is invalid; `field` names it (REST: 400 naming the field).
    case invalidArgument(field: String, reason: String)
    /// The device cannot do what was asked (e.g. enable KVM on a part without KVM).
    case notSupported(field: String, reason: String)
    /// The device refused the input (a fault such as InvalidRepresentation).
    case rejected(String)
    /// The device holds too many objects of the kind (AddAlarm QuotaLimit).
    case quotaExceeded
    /// The named object does not exist on the device.
    case notFound(String)

    public var description: String {
        switch self {
        case .notConnected: "device has no CIRA tunnel"
        case .noCredentials: "no AMT credentials are stored for the device"
        case .timeout: "device did not answer in time"
        case .tunnel(let e): "tunnel: \(e)"
        case .wsman(let e): "wsman: \(AMTError.describe(e))"
        case .unexpectedResponse(let s): "unexpected response: \(s)"
        case .invalidArgument(let field, let reason): "invalid \(field): \(reason)"
        case .notSupported(let field, let reason): "not supported (\(field)): \(reason)"
        case .rejected(let s): "device rejected the request: \(s)"
        case .quotaExceeded: "device quota exceeded"
        case .notFound(let s): "not found: \(s)"
        }
    }

    /// A one-line text for a WS-MAN error that never includes a raw response body.
    public static func describe(_ e: WSMANError) -> String {
        switch e {
        case .fault(let code, let subcode, let reason, _):
            "SOAP fault \(code)/\(subcode ?? "-"): \(reason)"
        case .http(let status, let body): "HTTP \(status) (\(body.count) body bytes)"
        case .unauthorized: "digest authentication failed"
        case .malformed(let s): "malformed response: \(s)"
        }
    }

    /// Whether this is a SOAP fault whose subcode's local name is `name`.
    public func isFault(_ name: String) -> Bool {
        if case .wsman(let w) = self { return w.isFault(name) }
        return false
    }

    /// Whether this is any SOAP fault (the device answered and refused).
    public var isSOAPFault: Bool {
        if case .wsman(.fault) = self { return true }
        return false
    }
}

/// How AMT operations reach a device: send one envelope, get the parsed response (faults
/// thrown as ``AMTError/wsman(_:)``). ``WSMANClient`` is the real one; tests use fakes.
public protocol WSMANTransport: Sendable {
    func send(guid: String, envelope: String) async throws(AMTError) -> WSMANResponse
    /// Forgets per-device session state (the cached Digest challenge).
    func resetSession(guid: String)
}

/// Whether a device has a tunnel right now (the REST routes' CIRA check).
public protocol DeviceConnectivity: Sendable {
    func isConnected(_ guid: String) -> Bool
}

extension TunnelManager: DeviceConnectivity {}
