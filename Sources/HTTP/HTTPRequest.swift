// SPDX-License-Identifier: Apache-2.0

/// One complete HTTP/1.x request as the server parser produced it.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target exactly as sent.
    public var target: String
    /// The target's path, percent-decoded, without the query (`*` for `OPTIONS *`).
    public var path: String
    /// The decoded query parameters in order, duplicates kept.
    public var query: [(name: String, value: String)]
    public var version: (major: Int, minor: Int)
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// The client sent `Expect: 100-continue` (HTTP/1.1 only).
    public var expectsContinue: Bool

    public init(
        method: String, target: String, path: String, query: [(name: String, value: String)] = [],
        version: (major: Int, minor: Int) = (1, 1), headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [], keepAlive: Bool = true, expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }

    /// Every value of query parameter `name`, in order.
    public func queryValues(_ name: String) -> [String] {
        self.query.filter { $0.name == name }.map(\.value)
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        self.query.first { $0.name == name }?.value
    }
}
