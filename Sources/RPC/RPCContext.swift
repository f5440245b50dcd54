// SPDX-License-Identifier: Apache-2.0

public import Logging

/// Identifies one WebSocket connection, for subscriptions and server pushes.
public struct RPCConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "ws#\(self.rawValue)" }
}

/// What a handler knows about the call: who asked, over which connection, and a logger that
/// already carries the method and request id.
public struct RPCContext: Sendable {
    public var logger: Logger
    /// The WebSocket connection the request came on; nil for an HTTP POST.
    public var connectionID: RPCConnectionID?
    /// The authenticated user or API key name, as the transport established it.
    public var principal: String?
    /// Set by the dispatcher for each call.
    public internal(set) var method = ""
    /// Set by the dispatcher for each call; nil for a notification.
    public internal(set) var requestID: RPCID?

    public init(logger: Logger, connectionID: RPCConnectionID? = nil, principal: String? = nil) {
        self.logger = logger
        self.connectionID = connectionID
        self.principal = principal
    }

    public var isNotification: Bool { self.requestID == nil }
}

/// The params type of a method that takes none: decodes from an omitted params, `{}` or `[]`.
public struct RPCNoParams: Decodable, Sendable, Equatable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
}
