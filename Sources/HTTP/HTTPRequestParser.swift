// SPDX-License-Identifier: Apache-2.0

/// A resumable HTTP/1.x request parser for the server side.
///
/// Feed bytes with ``append(_:)`` and call ``next()`` until it returns nil; pipelined requests
/// come out in order. Framing follows RFC 9112 strictly, because a lenient origin behind a
/// proxy is how requests get smuggled:
/// - lines must end in CRLF; a bare LF is rejected (``HTTPParserError/bareLineFeed``);
/// - obsolete line folding, whitespace before a colon, and control bytes are rejected;
/// - Content-Length together with Transfer-Encoding is rejected, as is any coding but `chunked`;
/// - HTTP/1.1 needs exactly one Host.
/// Empty lines before a request line are skipped (RFC 9112 §2.2). The parser does no I/O and
/// never answers `100 Continue` itself: see ``takeContinueRequest()``.
public struct HTTPRequestParser: Sendable {
    /// Limits on one request.
    public struct Limits: Sendable {
        public var maxHeadSize: Int
        public var maxHeaderCount: Int
        public var maxBodySize: Int

        public init(maxHeadSize: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodySize: Int = 1 << 20) {
            self.maxHeadSize = maxHeadSize
            self.maxHeaderCount = maxHeaderCount
            self.maxBodySize = maxBodySize
        }
    }

    private enum State: Sendable {
        case head
        case body(HTTPRequest, remaining: Int)
        case chunked(HTTPRequest, ChunkedDecoder)
        case failed(HTTPParserError)
    }

    public let limits: Limits
    private var queue = ByteQueue()
    private var scanner = HeadScanner()
    private var state = State.head
    private var continuePending = false

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes buffered but not yet part of a returned request.
    public var bufferedByteCount: Int { self.queue.count }

    /// Whether the parser is between requests with nothing buffered (safe to close when idle).
    public var isIdle: Bool {
        if case .head = self.state { return self.queue.isEmpty }
        return false
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        self.queue.append(bytes)
    }

    /// Removes and returns every buffered byte: after a protocol upgrade (WebSocket) the bytes
    /// that followed the request belong to the new protocol.
    public mutating func takeBuffered() -> [UInt8] {
        Array(self.queue.take(self.queue.count))
    }

    /// True once per request whose head asked for `100 Continue` while its body is still
    /// outstanding: the I/O layer then writes `HTTP/1.1 100 Continue\r\n\r\n`.
    public mutating func takeContinueRequest() -> Bool {
        defer { self.continuePending = false }
        return self.continuePending
    }

    /// The next complete request, or nil if more bytes are needed.
    /// - Throws: ``HTTPParserError``; the parser then stays failed.
    public mutating func next() throws(HTTPParserError) -> HTTPRequest? {
        do {
            return try self.step()
        } catch {
            self.state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParserError) -> HTTPRequest? {
        switch self.state {
        case .failed(let error):
            throw error
        case .head:
            guard var request = try self.parseHead() else { return nil }
            switch try framing(of: request.headers, maxBody: self.limits.maxBodySize) {
            case .none, .untilClose:
                return request
            case .length(0):
                return request
            case .length(let n):
                request.body.reserveCapacity(n)
                self.state = .body(request, remaining: n)
            case .chunked:
                // A transfer coding in an HTTP/1.0 request cannot be trusted (RFC 9112 §6.1).
                if request.version.minor == 0 { throw .unsupportedTransferEncoding }
                self.state = .chunked(request, ChunkedDecoder())
            }
            self.continuePending = request.expectsContinue
            return try self.step()
        case .body(var request, let remaining):
            let n = min(remaining, self.queue.count)
            if n > 0 { request.body.append(contentsOf: self.queue.take(n)) }
            if n == remaining {
                self.state = .head
                self.continuePending = false
                return request
            }
            self.state = .body(request, remaining: remaining - n)
            return nil
        case .chunked(var request, var decoder):
            self.state = .head  // avoid a copy-on-write of the body while decoding
            let done = try decoder.decode(
                &self.queue, into: &request.body, maxBody: self.limits.maxBodySize, allowBareLF: false)
            if done {
                self.continuePending = false
                return request
            }
            self.state = .chunked(request, decoder)
            return nil
        }
    }

    private mutating func parseHead() throws(HTTPParserError) -> HTTPRequest? {
        // Skip empty lines before the request line.
        while self.queue.count >= 2 && self.queue[0] == 0x0D && self.queue[1] == 0x0A {
            self.queue.consume(2)
        }
        if self.queue.count >= 1 && self.queue[0] == 0x0A { throw .bareLineFeed }
        let limits = self.limits
        var scanner = self.scanner
        let parsed: (HTTPRequest, Int)? = try self.queue.withUnread { bytes throws(HTTPParserError) in
            guard let length = try scanner.scan(bytes, allowBareLF: false, limit: limits.maxHeadSize)
            else { return nil }
            let head = UnsafeBufferPointer(rebasing: bytes[0..<length])
            return (try Self.parseRequestHead(head, limits: limits), length)
        }
        self.scanner = scanner
        guard let (request, length) = parsed else { return nil }
        self.queue.consume(length)
        return request
    }

    private static func parseRequestHead(
        _ head: UnsafeBufferPointer<UInt8>, limits: Limits
    ) throws(HTTPParserError) -> HTTPRequest {
        let lines = splitLines(head)
        guard let requestLine = lines.first else { throw .invalidRequestLine }
        // method SP request-target SP HTTP-version (RFC 9112 §3)
        var sp1 = requestLine.lowerBound
        while sp1 < requestLine.upperBound && head[sp1] != 0x20 {
            guard isTokenChar(head[sp1]) else { throw .invalidRequestLine }
            sp1 += 1
        }
        guard sp1 > requestLine.lowerBound, sp1 < requestLine.upperBound else { throw .invalidRequestLine }
        var sp2 = sp1 + 1
        while sp2 < requestLine.upperBound && head[sp2] != 0x20 {
            let c = head[sp2]
            guard c > 0x20 && c < 0x7F && c != 0x23 else { throw .invalidTarget }
            sp2 += 1
        }
        guard sp2 > sp1 + 1, sp2 < requestLine.upperBound else { throw .invalidRequestLine }
        let version = try parseVersion(UnsafeBufferPointer(rebasing: head[(sp2 + 1)..<requestLine.upperBound]))
        let method = String(decoding: UnsafeBufferPointer(rebasing: head[requestLine.lowerBound..<sp1]), as: UTF8.self)
        let target = String(decoding: UnsafeBufferPointer(rebasing: head[(sp1 + 1)..<sp2]), as: UTF8.self)

        let headers = try parseHeaderLines(head, lines.dropFirst(), maxCount: limits.maxHeaderCount)
        let (path, query) = try parseTarget(target, method: method)

        let hosts = headers.values("Host")
        if version.minor >= 1 && hosts.count != 1 { throw .invalidHost }
        if hosts.count > 1 { throw .invalidHost }

        let keepAlive: Bool
        if version.minor >= 1 {
            keepAlive = !headers.containsToken("Connection", "close")
        } else {
            keepAlive =
                headers.containsToken("Connection", "keep-alive")
                && !headers.containsToken("Connection", "close")
        }
        var expectsContinue = false
        // RFC 9110 §10.1.1: an HTTP/1.0 Expect is ignored; another expectation fails with 417.
        if version.minor >= 1, let expect = headers["Expect"] {
            guard asciiCaseInsensitiveEqual(trimOWS(Substring(expect)), "100-continue") else {
                throw .expectationFailed
            }
            expectsContinue = true
        }
        return HTTPRequest(
            method: method, target: target, path: path, query: query, version: version,
            headers: headers, body: [], keepAlive: keepAlive, expectsContinue: expectsContinue)
    }

    /// `HTTP/1.x`; a higher minor version is served as 1.1 (RFC 9110 §6.2).
    private static func parseVersion(_ v: UnsafeBufferPointer<UInt8>) throws(HTTPParserError) -> (
        major: Int, minor: Int
    ) {
        guard v.count == 8, v[0] == 0x48, v[1] == 0x54, v[2] == 0x54, v[3] == 0x50, v[4] == 0x2F,
            v[6] == 0x2E, (0x30...0x39).contains(v[5]), (0x30...0x39).contains(v[7])
        else { throw .invalidRequestLine }
        guard v[5] == 0x31 else { throw .unsupportedVersion }
        return (1, min(Int(v[7] - 0x30), 1))
    }

    /// Origin-form, absolute-form (`http://host/path`) or `*` for OPTIONS (RFC 9112 §3.2).
    private static func parseTarget(
        _ target: String, method: String
    ) throws(HTTPParserError) -> (String, [(name: String, value: String)]) {
        if target == "*" {
            guard method == "OPTIONS" else { throw .invalidTarget }
            return ("*", [])
        }
        var rest = Substring(target)
        if !rest.hasPrefix("/") {
            let lower = rest.prefix(8).lowercased()
            let scheme = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
            guard scheme > 0 else { throw .invalidTarget }
            rest = rest.dropFirst(scheme)
            guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return ("/", []) }
            rest = rest[slash...]
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        let pathPart: Substring
        let queryPart: Substring?
        if let q = rest.firstIndex(of: "?") {
            pathPart = rest[..<q]
            queryPart = rest[rest.index(after: q)...]
        } else {
            pathPart = rest
            queryPart = nil
        }
        do {
            let path = try PercentDecoding.decode(pathPart)
            // A decoded NUL has no business in a path and breaks C-level file APIs.
            if path.utf8.contains(0) { throw HTTPParserError.invalidTarget }
            let query = try queryPart.map { q throws(PercentDecodingError) in try PercentDecoding.parseQuery(q) } ?? []
            return (path, query)
        } catch {
            throw .invalidTarget
        }
    }
}
