// SPDX-License-Identifier: Apache-2.0

/// A resumable HTTP/1.x response parser for the client side (WS-MAN replies from AMT).
///
/// Bodies are delimited by chunked encoding (any hex width, extensions and trailers accepted),
/// Content-Length, or the end of the stream, which the I/O layer reports with ``finish()``.
/// Interim 1xx responses other than 101 are skipped. Unlike the request parser this side
/// tolerates bare LF line ends, because we only talk to devices, not through proxies.
/// The parser does not know the request method: a HEAD exchange must set ``expectNoBody``.
public struct HTTPResponseParser: Sendable {
    private enum State: Sendable {
        case head
        case body(HTTPResponse, remaining: Int)
        case chunked(HTTPResponse, ChunkedDecoder)
        case untilClose(HTTPResponse)
        case failed(HTTPParserError)
    }

    public let maxHeadSize: Int
    public let maxBodySize: Int
    public let maxHeaderCount: Int
    /// When true, the next response has no body whatever its headers say (reply to HEAD).
    public var expectNoBody = false

    private var queue = ByteQueue()
    private var scanner = HeadScanner()
    private var state = State.head

    public init(maxHeadSize: Int = 16 * 1024, maxBodySize: Int = 16 << 20, maxHeaderCount: Int = 100) {
        self.maxHeadSize = maxHeadSize
        self.maxBodySize = maxBodySize
        self.maxHeaderCount = maxHeaderCount
    }

    /// Whether nothing is buffered and no response is in progress.
    public var isIdle: Bool {
        if case .head = self.state { return self.queue.isEmpty }
        return false
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        self.queue.append(bytes)
    }

    /// The next complete response, or nil if more bytes are needed.
    public mutating func next() throws(HTTPParserError) -> HTTPResponse? {
        do {
            return try self.step()
        } catch {
            self.state = .failed(error)
            throw error
        }
    }

    /// Reports end of stream: returns a close-delimited response, nil if the stream ended
    /// cleanly between responses.
    /// - Throws: ``HTTPParserError/truncatedMessage`` if it ended inside a message.
    public mutating func finish() throws(HTTPParserError) -> HTTPResponse? {
        switch self.state {
        case .failed(let error):
            throw error
        case .untilClose(var response):
            response.body.append(contentsOf: self.queue.take(self.queue.count))
            self.state = .head
            return response
        case .head where self.queue.isEmpty:
            return nil
        default:
            self.state = .failed(.truncatedMessage)
            throw .truncatedMessage
        }
    }

    private mutating func step() throws(HTTPParserError) -> HTTPResponse? {
        while true {
            switch self.state {
            case .failed(let error):
                throw error
            case .head:
                guard let response = try self.parseHead() else { return nil }
                if (100..<200).contains(response.status) && response.status != 101 { continue }
                let noBody =
                    self.expectNoBody || (100..<200).contains(response.status)
                    || response.status == 204 || response.status == 304
                self.expectNoBody = false
                if noBody { return response }
                switch try framing(of: response.headers, maxBody: self.maxBodySize) {
                case .length(0): return response
                case .length(let n): self.state = .body(response, remaining: n)
                case .chunked: self.state = .chunked(response, ChunkedDecoder())
                case .none, .untilClose: self.state = .untilClose(response)
                }
            case .body(var response, let remaining):
                let n = min(remaining, self.queue.count)
                if n > 0 { response.body.append(contentsOf: self.queue.take(n)) }
                if n == remaining {
                    self.state = .head
                    return response
                }
                self.state = .body(response, remaining: remaining - n)
                return nil
            case .chunked(var response, var decoder):
                self.state = .head
                let done = try decoder.decode(
                    &self.queue, into: &response.body, maxBody: self.maxBodySize, allowBareLF: true)
                if done { return response }
                self.state = .chunked(response, decoder)
                return nil
            case .untilClose(var response):
                self.state = .head
                if response.body.count + self.queue.count > self.maxBodySize { throw .bodyTooLarge }
                response.body.append(contentsOf: self.queue.take(self.queue.count))
                self.state = .untilClose(response)
                return nil
            }
        }
    }

    private mutating func parseHead() throws(HTTPParserError) -> HTTPResponse? {
        let (maxHead, maxCount) = (self.maxHeadSize, self.maxHeaderCount)
        var scanner = self.scanner
        let parsed: (HTTPResponse, Int)? = try self.queue.withUnread { bytes throws(HTTPParserError) in
            guard let length = try scanner.scan(bytes, allowBareLF: true, limit: maxHead) else { return nil }
            let head = UnsafeBufferPointer(rebasing: bytes[0..<length])
            let lines = splitLines(head)
            guard let statusLine = lines.first else { throw .invalidStatusLine }
            let (status, reason) = try Self.parseStatusLine(UnsafeBufferPointer(rebasing: head[statusLine]))
            let headers = try parseHeaderLines(head, lines.dropFirst(), maxCount: maxCount)
            return (HTTPResponse(status: status, reason: reason, headers: headers), length)
        }
        self.scanner = scanner
        guard let (response, length) = parsed else { return nil }
        self.queue.consume(length)
        return response
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]` (RFC 9112 §4); a missing reason is tolerated.
    private static func parseStatusLine(
        _ line: UnsafeBufferPointer<UInt8>
    ) throws(HTTPParserError) -> (Int, String) {
        let prefix: [UInt8] = Array("HTTP/1.".utf8)
        guard line.count >= 12, Array(line[0..<7]) == prefix, (0x30...0x39).contains(line[7]), line[8] == 0x20
        else { throw .invalidStatusLine }
        var status = 0
        for i in 9..<12 {
            guard (0x30...0x39).contains(line[i]) else { throw .invalidStatusLine }
            status = status * 10 + Int(line[i] - 0x30)
        }
        guard status >= 100 else { throw .invalidStatusLine }
        if line.count == 12 { return (status, "") }
        guard line[12] == 0x20 else { throw .invalidStatusLine }
        return (status, String(decoding: UnsafeBufferPointer(rebasing: line[13...]), as: UTF8.self))
    }
}
