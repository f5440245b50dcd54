// SPDX-License-Identifier: Apache-2.0

internal import Synchronization

/// A topic a WebSocket client can subscribe to; its pushes use ``notificationMethod``.
public struct RPCTopic: RawRepresentable, Hashable, Sendable, Comparable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Device connect, disconnect and status changes, pushed as `devices.changed`.
    public static let devices = RPCTopic(rawValue: "devices")

    /// `<topic>.changed`.
    public var notificationMethod: String { self.rawValue + ".changed" }

    public static func < (a: RPCTopic, b: RPCTopic) -> Bool { a.rawValue < b.rawValue }
}

/// Which WebSocket connections want which topics.
///
/// The WebSocket layer calls ``connectionOpened(_:)`` before the first request and
/// ``connectionClosed(_:)`` when the socket goes; a subscribe that completes after the close
/// then fails instead of leaving an entry behind. Publishers ask ``subscribers(of:)`` and call
/// `RPCWebSocketSession.notify` on each.
///
/// Methods (``registerMethods(on:)``), both idempotent, both answering the topics the
/// connection now has, sorted: `subscribe {"topics": ["devices"]}` → `{"topics": ["devices"]}`
/// and `unsubscribe {"topics": [...]}`. An unknown topic is -32602 naming `topics[i]`; an
/// empty list is -32602 naming `topics`; over HTTP POST (no connection) they are -32011.
/// TODO(#4): no per-topic authorisation yet: any socket that passed the upgrade's auth may
/// subscribe to every topic.
public final class Subscriptions: Sendable {
    public let topics: Set<RPCTopic>
    private let table = Mutex<[RPCConnectionID: Set<RPCTopic>]>([:])

    public init(topics: Set<RPCTopic> = [.devices]) {
        self.topics = topics
    }

    public func connectionOpened(_ connection: RPCConnectionID) {
        self.table.withLock { table in
            if table[connection] == nil { table[connection] = [] }
        }
    }

    public func connectionClosed(_ connection: RPCConnectionID) {
        _ = self.table.withLock { $0.removeValue(forKey: connection) }
    }

    /// Adds `names`; returns all the connection's topics, sorted.
    public func subscribe(_ names: [String], connection: RPCConnectionID) throws(RPCError) -> [RPCTopic] {
        let wanted = try self.validate(names)
        return try self.update(connection) { $0.formUnion(wanted) }
    }

    /// Removes `names` (not being subscribed is fine); returns what is left, sorted.
    public func unsubscribe(_ names: [String], connection: RPCConnectionID) throws(RPCError) -> [RPCTopic] {
        let unwanted = try self.validate(names)
        return try self.update(connection) { $0.subtract(unwanted) }
    }

    /// The connection's topics, sorted (empty for an unknown connection).
    public func topics(of connection: RPCConnectionID) -> [RPCTopic] {
        self.table.withLock { $0[connection] ?? [] }.sorted()
    }

    /// The connections subscribed to `topic`, in id order.
    public func subscribers(of topic: RPCTopic) -> [RPCConnectionID] {
        self.table.withLock { table in
            table.compactMap { $0.value.contains(topic) ? $0.key : nil }
        }.sorted { $0.rawValue < $1.rawValue }
    }

    private func validate(_ names: [String]) throws(RPCError) -> Set<RPCTopic> {
        guard !names.isEmpty else { throw .invalidParams(field: "topics", reason: "must not be empty") }
        var out = Set<RPCTopic>()
        for (i, name) in names.enumerated() {
            let topic = RPCTopic(rawValue: name)
            guard self.topics.contains(topic) else {
                throw .invalidParams(field: "topics[\(i)]", reason: "unknown topic")
            }
            out.insert(topic)
        }
        return out
    }

    private func update(
        _ connection: RPCConnectionID,
        _ change: (inout Set<RPCTopic>) -> Void
    ) throws(RPCError) -> [RPCTopic] {
        let result: Set<RPCTopic>? = self.table.withLock { table in
            guard var set = table[connection] else { return nil }
            change(&set)
            table[connection] = set
            return set
        }
        guard let result else { throw .notAvailable }
        return result.sorted()
    }

    // MARK: Methods

    struct TopicsParams: Decodable, Sendable {
        var topics: [String]
    }

    struct TopicsResult: Encodable, Sendable {
        var topics: [String]
    }

    /// Registers `subscribe` and `unsubscribe` (named params only).
    public func registerMethods(on dispatcher: RPCDispatcher) {
        dispatcher.register("subscribe", params: TopicsParams.self) { context, params in
            guard let id = context.connectionID else { throw RPCError.notAvailable }
            return TopicsResult(topics: try self.subscribe(params.topics, connection: id).map(\.rawValue))
        }
        dispatcher.register("unsubscribe", params: TopicsParams.self) { context, params in
            guard let id = context.connectionID else { throw RPCError.notAvailable }
            return TopicsResult(topics: try self.unsubscribe(params.topics, connection: id).map(\.rawValue))
        }
    }
}
