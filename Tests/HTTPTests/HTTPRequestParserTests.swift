// SPDX-License-Identifier: Apache-2.0

import HTTP
import Testing

private func parseAll(
    _ text: String, split: Split = .whole, limits: HTTPRequestParser.Limits = .init()
) throws -> [HTTPRequest] {
    var parser = HTTPRequestParser(limits: limits)
    var out: [HTTPRequest] = []
    for chunk in split.chunks(Array(text.utf8)) {
        parser.append(chunk)
        while let r = try parser.next() { out.append(r) }
    }
    return out
}

private func parseError(_ text: String, limits: HTTPRequestParser.Limits = .init()) -> HTTPParserError? {
    do {
        _ = try parseAll(text, limits: limits)
        return nil
    } catch let e as HTTPParserError {
        return e
    } catch {
        return nil
    }
}

@Suite struct HTTPRequestParserTests {
    static let pipelined =
        "GET /api/v1/devices?%24top=5&tags=a%2Cb&tags=c+d HTTP/1.1\r\nHost: x\r\nX-Api-Key: k\r\n\r\n"
        + "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nname=a%20b&"
        + "PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n"
        + "GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

    /// Four pipelined requests (plain, Content-Length, chunked, close) parse identically
    /// however the bytes are split.
    @Test(arguments: Split.allCases)
    func pipelinedRequestsParseAtEverySplit(split: Split) throws {
        let reqs = try parseAll(Self.pipelined, split: split)
        try #require(reqs.count == 4)
        #expect(reqs[0].method == "GET")
        #expect(reqs[0].path == "/api/v1/devices")
        #expect(reqs[0].target == "/api/v1/devices?%24top=5&tags=a%2Cb&tags=c+d")
        #expect(reqs[0].queryValues("$top") == ["5"])
        #expect(reqs[0].queryValues("tags") == ["a,b", "c d"])
        #expect(reqs[0].headers["x-api-key"] == "k")
        #expect(reqs[0].keepAlive)
        #expect(String(decoding: reqs[1].body, as: UTF8.self) == "name=a%20b&")
        #expect(String(decoding: reqs[2].body, as: UTF8.self) == "Wikipedia")
        #expect(reqs[2].method == "PUT")
        #expect(reqs[3].path == "/bye")
        #expect(!reqs[3].keepAlive)
    }

    /// Every single-byte cut point of a chunked request yields the same request.
    @Test func chunkedRequestAtEveryCutPoint() throws {
        let bytes = Array("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".utf8)
        for cut in 1..<bytes.count {
            var p = HTTPRequestParser()
            p.append(bytes[..<cut])
            var got = try p.next()
            p.append(bytes[cut...])
            if got == nil { got = try p.next() }
            #expect(got.map { String(decoding: $0.body, as: UTF8.self) } == "abc", "cut \(cut)")
        }
    }

    /// HTTP/1.0 closes by default and keeps alive only when asked; 1.1 is the opposite.
    @Test func keepAliveRules() throws {
        #expect(try parseAll("GET / HTTP/1.0\r\n\r\n")[0].keepAlive == false)
        #expect(try parseAll("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")[0].keepAlive == true)
        #expect(try parseAll("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n")[0].keepAlive == false)
        let r = try parseAll("GET / HTTP/1.1\r\nHost: a\r\n\r\n")[0]
        #expect(r.keepAlive && r.version.major == 1 && r.version.minor == 1)
    }

    /// Expect: 100-continue is reported once, while the body is still missing.
    @Test func expectContinueIsSurfaced() throws {
        var p = HTTPRequestParser()
        p.append(Array("POST /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(try p.next() == nil)
        let first = p.takeContinueRequest()
        let second = p.takeContinueRequest()
        #expect(first && !second)
        p.append(Array("ok".utf8))
        let r = try #require(try p.next())
        #expect(r.expectsContinue && r.body == Array("ok".utf8))
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n") == .expectationFailed)
    }

    /// Smuggling-relevant framing is refused with the documented errors and statuses.
    @Test func rejectsAmbiguousFraming() {
        let both = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(parseError(both) == .conflictingFraming)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n") == .invalidContentLength)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n") == .invalidContentLength)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n") == .invalidContentLength)
        #expect(
            parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n")
                == .invalidContentLength)
        let gzip = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        #expect(parseError(gzip) == .unsupportedTransferEncoding)
        #expect(HTTPParserError.unsupportedTransferEncoding.status == 501)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n") == .obsoleteLineFolding)
        #expect(parseError("GET / HTTP/1.1\r\nHost : a\r\n\r\n") == .invalidHeader)
        #expect(parseError("GET / HTTP/1.1\nHost: a\n\n") == .bareLineFeed)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{01}b\r\n\r\n") == .invalidHeader)
        #expect(parseError("GET / HTTP/1.1\r\n\r\n") == .invalidHost)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .invalidHost)
        #expect(parseError("GET / HTTP/2.0\r\n\r\n") == .unsupportedVersion)
        #expect(parseError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") == .invalidRequestLine)
        #expect(parseError("GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n") == .invalidTarget)
        #expect(parseError("GET /a%00 HTTP/1.1\r\nHost: a\r\n\r\n") == .invalidTarget)
        #expect(parseError("GET a HTTP/1.1\r\nHost: a\r\n\r\n") == .invalidTarget)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == .invalidChunk)
    }

    /// Limits map to 431 (head, header count) and 413 (declared or chunked body).
    @Test func limitsMapToStatuses() {
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 17000) + "\r\n\r\n"
        #expect(parseError(big) == .headersTooLarge)
        #expect(HTTPParserError.headersTooLarge.status == 431)
        let many = "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X: 1\r\n", count: 100) + "\r\n"
        #expect(parseError(many) == .tooManyHeaders)
        let limits = HTTPRequestParser.Limits(maxBodySize: 10)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: limits) == .bodyTooLarge)
        let chunks = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"
        #expect(parseError(chunks, limits: limits) == .bodyTooLarge)
        #expect(HTTPParserError.bodyTooLarge.status == 413)
    }

    /// After an error the parser stays failed instead of resynchronising on attacker bytes.
    @Test func staysFailedAfterError() {
        var p = HTTPRequestParser()
        p.append(Array("BAD\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(throws: HTTPParserError.invalidRequestLine) { try p.next() }
        #expect(throws: HTTPParserError.invalidRequestLine) { try p.next() }
    }

    /// Absolute-form and leading empty lines are accepted; `*` only for OPTIONS.
    @Test func targetForms() throws {
        let r = try parseAll("\r\nGET http://host:3000/a%20b?x=1 HTTP/1.1\r\nHost: host\r\n\r\n")[0]
        #expect(r.path == "/a b" && r.queryValue("x") == "1")
        #expect(try parseAll("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")[0].path == "*")
        #expect(parseError("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == .invalidTarget)
    }

    /// 20,000 pipelined keep-alive GETs in one buffer all parse (speed is measured by the
    /// benchmarks, not here).
    @Test func manyPipelinedGets() throws {
        let one = Array(
            "GET /api/v1/devices/stats HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n".utf8)
        var p = HTTPRequestParser()
        var n = 0
        for _ in 0..<20000 {
            p.append(one)
            while try p.next() != nil { n += 1 }
        }
        #expect(n == 20000)
        #expect(p.isIdle)
    }
}
