// SPDX-License-Identifier: Apache-2.0

/// Bytes received but not yet consumed by a parser. Consumption only moves an index; the
/// storage is compacted when more than half of it is dead, so appends stay amortised O(1).
struct ByteQueue {
    private(set) var storage: [UInt8] = []
    private(set) var start = 0

    var count: Int { self.storage.count - self.start }
    var isEmpty: Bool { self.start == self.storage.count }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        if self.start > 0 && self.start >= self.storage.count / 2 {
            self.storage.removeSubrange(0..<self.start)
            self.start = 0
        }
        self.storage.append(contentsOf: bytes)
    }

    subscript(offset: Int) -> UInt8 { self.storage[self.start + offset] }

    mutating func consume(_ n: Int) {
        precondition(n <= self.count, "consumed more than buffered")
        self.start += n
        if self.start == self.storage.count {
            self.storage.removeAll(keepingCapacity: self.storage.capacity <= 1 << 16)
            self.start = 0
        }
    }

    /// Copies `n` bytes out and consumes them.
    mutating func take(_ n: Int) -> ArraySlice<UInt8> {
        let slice = self.storage[self.start..<(self.start + n)]
        self.consume(n)
        return slice
    }

    func withUnread<R>(_ body: (UnsafeBufferPointer<UInt8>) throws(HTTPParserError) -> R)
        throws(HTTPParserError) -> R
    {
        let start = self.start
        let result: Result<R, HTTPParserError> = self.storage.withUnsafeBufferPointer { all in
            let view = UnsafeBufferPointer(rebasing: all[start...])
            do throws(HTTPParserError) { return .success(try body(view)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// Finds the empty line that ends a message head, resuming where the last call stopped so
/// byte-at-a-time input stays linear.
struct HeadScanner {
    private var scanned = 0
    private var lineStart = 0

    mutating func reset() { self = HeadScanner() }

    /// The head length (through the terminating empty line), or nil if more bytes are needed.
    mutating func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, allowBareLF: Bool, limit: Int
    ) throws(HTTPParserError) -> Int? {
        var i = self.scanned
        while i < bytes.count {
            if bytes[i] == 0x0A {
                let hasCR = i > 0 && bytes[i - 1] == 0x0D
                if !hasCR && !allowBareLF { throw .bareLineFeed }
                let contentEnd = hasCR ? i - 1 : i
                if contentEnd == self.lineStart {
                    self.reset()
                    return i + 1
                }
                self.lineStart = i + 1
            }
            i += 1
            if i > limit { throw .headersTooLarge }
        }
        self.scanned = i
        return nil
    }
}

/// Splits a head into lines without their CR/LF.
func splitLines(_ head: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    var lines: [Range<Int>] = []
    var start = 0
    for i in 0..<head.count where head[i] == 0x0A {
        let end = (i > start && head[i - 1] == 0x0D) ? i - 1 : i
        lines.append(start..<end)
        start = i + 1
    }
    return lines
}

/// RFC 9110 §5.6.2 `tchar`.
@inline(__always)
func isTokenChar(_ c: UInt8) -> Bool {
    switch c {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
    default: false
    }
}

/// Parses header lines (RFC 9112 §5): no obs-fold, no space before the colon, no control bytes.
func parseHeaderLines(
    _ head: UnsafeBufferPointer<UInt8>, _ lines: ArraySlice<Range<Int>>, maxCount: Int
) throws(HTTPParserError) -> HTTPHeaders {
    var headers = HTTPHeaders()
    if lines.count > maxCount { throw .tooManyHeaders }
    for line in lines where !line.isEmpty {
        let first = head[line.lowerBound]
        if first == 0x20 || first == 0x09 { throw .obsoleteLineFolding }
        var colon = line.lowerBound
        while colon < line.upperBound && head[colon] != 0x3A {
            guard isTokenChar(head[colon]) else { throw .invalidHeader }
            colon += 1
        }
        guard colon < line.upperBound, colon > line.lowerBound else { throw .invalidHeader }
        var vs = colon + 1
        var ve = line.upperBound
        while vs < ve && (head[vs] == 0x20 || head[vs] == 0x09) { vs += 1 }
        while ve > vs && (head[ve - 1] == 0x20 || head[ve - 1] == 0x09) { ve -= 1 }
        for j in vs..<ve {
            let c = head[j]
            if (c < 0x20 && c != 0x09) || c == 0x7F { throw .invalidHeader }
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: head[line.lowerBound..<colon]), as: UTF8.self)
        let value = String(decoding: UnsafeBufferPointer(rebasing: head[vs..<ve]), as: UTF8.self)
        headers.add(name, value)
    }
    return headers
}

/// How a message body is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
    case untilClose
}

/// Reads Content-Length / Transfer-Encoding, rejecting the ambiguous combinations.
func framing(of headers: HTTPHeaders, maxBody: Int) throws(HTTPParserError) -> BodyFraming {
    let te = headers.listValues("Transfer-Encoding")
    let cl = headers.values("Content-Length")
    if !te.isEmpty {
        if !cl.isEmpty { throw .conflictingFraming }
        // Only a single, final `chunked` is supported; anything else we cannot delimit.
        guard te.count == 1, asciiCaseInsensitiveEqual(te[0], "chunked") else {
            throw .unsupportedTransferEncoding
        }
        return .chunked
    }
    guard !cl.isEmpty else { return .none }
    var length: Int?
    for field in cl {
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            let digits = trimOWS(part)
            guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let n = Int(digits)
            else { throw .invalidContentLength }
            if let l = length, l != n { throw .invalidContentLength }
            length = n
        }
    }
    let n = length ?? 0
    if n > maxBody { throw .bodyTooLarge }
    return .length(n)
}

/// Decodes a chunked body (RFC 9112 §7.1) incrementally. Chunk extensions are skipped; trailer
/// fields are read and discarded (RFC 9110 §6.5 lets a recipient drop them).
struct ChunkedDecoder {
    private enum State {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailer
    }

    private var state = State.size
    private var trailerBytes = 0
    private var lineScanned = 0

    static let maxLine = 4096
    static let maxTrailer = 16 * 1024

    /// Moves body bytes from `queue` into `body`; true once the last chunk and trailers are read.
    mutating func decode(
        _ queue: inout ByteQueue, into body: inout [UInt8], maxBody: Int, allowBareLF: Bool
    ) throws(HTTPParserError) -> Bool {
        while true {
            switch self.state {
            case .size:
                guard let line = try self.takeLine(&queue, allowBareLF: allowBareLF) else { return false }
                let size = try Self.parseSize(line)
                if size > maxBody - body.count { throw .bodyTooLarge }
                self.state = size == 0 ? .trailer : .data(remaining: size)
            case .data(let remaining):
                if queue.isEmpty { return false }
                let n = min(remaining, queue.count)
                body.append(contentsOf: queue.take(n))
                self.state = n == remaining ? .dataEnd : .data(remaining: remaining - n)
            case .dataEnd:
                guard queue.count >= 1 else { return false }
                if queue[0] == 0x0A && allowBareLF {
                    queue.consume(1)
                } else {
                    guard queue[0] == 0x0D else { throw .invalidChunk }
                    guard queue.count >= 2 else { return false }
                    guard queue[1] == 0x0A else { throw .invalidChunk }
                    queue.consume(2)
                }
                self.state = .size
            case .trailer:
                guard let line = try self.takeLine(&queue, allowBareLF: allowBareLF) else { return false }
                self.trailerBytes += line.count + 2
                if self.trailerBytes > Self.maxTrailer { throw .headersTooLarge }
                if line.isEmpty {
                    self = ChunkedDecoder()
                    return true
                }
                if line.first == 0x20 || line.first == 0x09 || !line.contains(0x3A) { throw .invalidChunk }
            }
        }
    }

    /// One line without its terminator, or nil when it is not complete yet.
    private mutating func takeLine(
        _ queue: inout ByteQueue, allowBareLF: Bool
    ) throws(HTTPParserError) -> [UInt8]? {
        var i = self.lineScanned
        while i < queue.count {
            if queue[i] == 0x0A {
                let hasCR = i > 0 && queue[i - 1] == 0x0D
                if !hasCR && !allowBareLF { throw .bareLineFeed }
                let line = Array(queue.take(hasCR ? i - 1 : i))
                queue.consume(hasCR ? 2 : 1)
                self.lineScanned = 0
                return line
            }
            i += 1
            if i > Self.maxLine { throw .invalidChunk }
        }
        self.lineScanned = i
        return nil
    }

    /// `1*HEXDIG [ BWS ";" ext ]`, at most 15 hex digits so the value fits an Int.
    private static func parseSize(_ line: [UInt8]) throws(HTTPParserError) -> Int {
        var value = 0
        var digits = 0
        var i = 0
        while i < line.count, let v = hexValue(line[i]) {
            digits += 1
            if digits > 15 { throw .invalidChunk }
            value = value << 4 | Int(v)
            i += 1
        }
        guard digits > 0 else { throw .invalidChunk }
        while i < line.count && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
        if i < line.count {
            guard line[i] == 0x3B else { throw .invalidChunk }
            for c in line[i...] where (c < 0x20 && c != 0x09) || c == 0x7F { throw .invalidChunk }
        }
        return value
    }
}
