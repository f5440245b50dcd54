public import HTTP

/// A route handler: may throw `APIError` for the client, anything else becomes a 500.
public typealias RouteHandler = @Sendable (RequestContext) async throws -> HTTPResponse

/// Method + path-pattern routing. Patterns are literal segments and `:name` captures;
/// matching of literal segments is case-insensitive as in the reference (Express).
public struct Router: Sendable {
    struct Route: Sendable {
        let method: String
        let segments: [Segment]
        let handler: RouteHandler
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case capture(String)
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping RouteHandler) {
        let segments = Router.split(pattern).map { part -> Segment in
            part.hasPrefix(":") ? .capture(String(part.dropFirst())) : .literal(part.lowercased())
        }
        self.routes.append(Route(method: method, segments: segments, handler: handler))
    }

    public mutating func get(_ p: String, _ h: @escaping RouteHandler) { add("GET", p, h) }
    public mutating func post(_ p: String, _ h: @escaping RouteHandler) { add("POST", p, h) }
    public mutating func put(_ p: String, _ h: @escaping RouteHandler) { add("PUT", p, h) }
    public mutating func patch(_ p: String, _ h: @escaping RouteHandler) { add("PATCH", p, h) }
    public mutating func delete(_ p: String, _ h: @escaping RouteHandler) { add("DELETE", p, h) }

    public enum Match {
        case found(RouteHandler, [String: String])
        case methodNotAllowed([String])
        case notFound
    }

    public func match(method: String, path: String) -> Match {
        let parts = Router.split(path)
        var allowed: [String] = []
        for route in self.routes {
            guard let params = Router.bind(route.segments, parts) else { continue }
            let routeMethod = route.method
            if routeMethod == method || (method == "HEAD" && routeMethod == "GET") {
                return .found(route.handler, params)
            }
            allowed.append(routeMethod)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }

    private static func bind(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var params: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                if part.lowercased() != literal { return nil }
            case .capture(let name):
                if part.isEmpty { return nil }
                params[name] = String(part)
            }
        }
        return params
    }

    private static func split(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
