// SPDX-License-Identifier: Apache-2.0

public import Foundation

/// An HTTP/1.1 response: built by the server, or produced by ``HTTPResponseParser``.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, reason: String? = nil, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.reason = reason ?? HTTPStatus.reason(for: status)
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var bodyText: String { String(decoding: self.body, as: UTF8.self) }

    /// Wire bytes: status line, headers, blank line, body.
    ///
    /// Adds `Content-Length` unless the message is chunked, informational (1xx), 204 or 304, or
    /// already has one. Fields whose name or value holds CR, LF or NUL are dropped, so a value
    /// taken from a request can never split the response (CWE-113).
    public func serialize() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + self.body.count)
        out.append(contentsOf: "HTTP/1.1 \(self.status) ".utf8)
        out.append(contentsOf: self.reason.utf8.filter { $0 >= 0x20 && $0 != 0x7F })
        out.append(contentsOf: [0x0D, 0x0A])
        var hasLength = false
        for (name, value) in self.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenChar),
                !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 })
            else { continue }
            if asciiCaseInsensitiveEqual(name, "Content-Length") { hasLength = true }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: [0x3A, 0x20])
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        let chunked = self.headers.containsToken("Transfer-Encoding", "chunked")
        let bodiless = (100..<200).contains(self.status) || self.status == 204 || self.status == 304
        if !hasLength && !chunked && !bodiless {
            out.append(contentsOf: "Content-Length: \(self.body.count)\r\n".utf8)
        }
        out.append(contentsOf: [0x0D, 0x0A])
        out.append(contentsOf: self.body)
        return out
    }

    /// A JSON response from already-encoded bytes.
    public static func json(_ status: Int, _ data: Data) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: Array(data))
    }

    /// A JSON response encoding `value` (slashes unescaped, keys in declaration order).
    /// - Throws: the `EncodingError` from `JSONEncoder`.
    public static func json(_ status: Int, _ value: some Encodable) throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return json(status, try encoder.encode(value))
    }

    /// A plain-text response.
    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8")
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }
}
