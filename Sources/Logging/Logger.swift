public import Foundation

/// Log levels in swift-log's order.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { "\($0)" == name.lowercased() }) else {
            return nil
        }
        self = level
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where log lines go. The default writes one line per entry to standard error.
public protocol LogSink: Sendable {
    func write(_ line: String)
}

public struct StandardErrorSink: LogSink {
    public init() {}
    public func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// A small value-type logger: a label, a level, metadata and a sink.
/// Keys are dotted (`tunnel.id`); values go in metadata, not in the message.
/// Never put secrets (passwords, tokens, keys, auth headers) in a message or metadata.
public struct Logger: Sendable {
    public var label: String
    public var level: LogLevel
    public var metadata: [String: String]
    public var sink: any LogSink

    public init(
        label: String, level: LogLevel = .info, metadata: [String: String] = [:],
        sink: any LogSink = StandardErrorSink()
    ) {
        self.label = label
        self.level = level
        self.metadata = metadata
        self.sink = sink
    }

    /// A child logger with extra metadata (for a connection or a request).
    public func with(_ extra: [String: String]) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    public func log(_ level: LogLevel, _ message: String, metadata extra: [String: String] = [:]) {
        guard level >= self.level else { return }
        var all = self.metadata
        all.merge(extra) { _, new in new }
        let meta = all.keys.sorted().map { "\($0)=\(Logger.quote(all[$0]!))" }.joined(separator: " ")
        let time = Date().formatted(.iso8601)
        self.sink.write("\(time) \(level) [\(self.label)] \(message)\(meta.isEmpty ? "" : " " + meta)")
    }

    public func trace(_ m: String, metadata: [String: String] = [:]) { log(.trace, m, metadata: metadata) }
    public func debug(_ m: String, metadata: [String: String] = [:]) { log(.debug, m, metadata: metadata) }
    public func info(_ m: String, metadata: [String: String] = [:]) { log(.info, m, metadata: metadata) }
    public func notice(_ m: String, metadata: [String: String] = [:]) { log(.notice, m, metadata: metadata) }
    public func warning(_ m: String, metadata: [String: String] = [:]) { log(.warning, m, metadata: metadata) }
    public func error(_ m: String, metadata: [String: String] = [:]) { log(.error, m, metadata: metadata) }

    private static func quote(_ value: String) -> String {
        if value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return value
    }
}
