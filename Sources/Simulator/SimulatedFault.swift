// SPDX-License-Identifier: Apache-2.0

/// A misbehaviour a simulated device can be switched into, each after a field fault.
///
/// Faults persist until disabled, with two exceptions: ``httpStatus(_:)`` answers one request
/// and then clears itself, and ``silent`` clears when the silent tunnel closes (the device comes
/// back healthy, as AMT does after a reset). In JSON a fault is a string: `"silent"`,
/// `"ignoreChannelOpens"`, `"stallHTTP"`, `"httpStatus:400"`, `"omitOSPowerSavingState"`,
/// `"closeAfterReply"`, `"slowForwards"`.
public enum SimulatedFault: Hashable, Sendable, Codable, CustomStringConvertible {
    /// B08: sends nothing more (no keep-alives, no replies) and ignores what arrives, with the
    /// TCP connection left open.
    case silent
    /// B26: CHANNEL_OPEN gets neither a confirmation nor a failure.
    case ignoreChannelOpens
    /// B27: channels open and requests are read, but no HTTP response is ever sent.
    case stallHTTP
    /// B25: the next authorized WS-MAN request gets this bare status with `Content-Length: 0`.
    case httpStatus(Int)
    /// B22: PowerState responses leave out OSPowerSavingState.
    case omitOSPowerSavingState
    /// A device that does not keep channels open (no HTTP keep-alive): each channel is closed
    /// right after its first response.
    case closeAfterReply
    /// Each tcpip-forward request goes out 300 ms after the previous reply, so the tunnel is
    /// authenticated (and listed as connected) for about two seconds before its ports are.
    case slowForwards

    /// The fault's kind, ignoring the status of ``httpStatus(_:)``.
    var kind: String {
        switch self {
        case .silent: "silent"
        case .ignoreChannelOpens: "ignoreChannelOpens"
        case .stallHTTP: "stallHTTP"
        case .httpStatus: "httpStatus"
        case .omitOSPowerSavingState: "omitOSPowerSavingState"
        case .closeAfterReply: "closeAfterReply"
        case .slowForwards: "slowForwards"
        }
    }

    public var description: String {
        if case .httpStatus(let status) = self { return "httpStatus:\(status)" }
        return self.kind
    }

    /// Parses the string form; nil for anything else (statuses must be 100 to 599).
    public init?(_ text: String) {
        switch text {
        case "silent": self = .silent
        case "ignoreChannelOpens": self = .ignoreChannelOpens
        case "stallHTTP": self = .stallHTTP
        case "omitOSPowerSavingState": self = .omitOSPowerSavingState
        case "closeAfterReply": self = .closeAfterReply
        case "slowForwards": self = .slowForwards
        default:
            let prefix = "httpStatus:"
            guard text.hasPrefix(prefix), let status = Int(text.dropFirst(prefix.count)),
                (100...599).contains(status)
            else { return nil }
            self = .httpStatus(status)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let fault = SimulatedFault(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown fault \"\(text)\"")
            )
        }
        self = fault
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(self.description)
    }
}
