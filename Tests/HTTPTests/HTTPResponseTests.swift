// SPDX-License-Identifier: Apache-2.0

import Foundation
import HTTP
import Testing

private func parseResponses(_ bytes: [UInt8], split: Split, eof: Bool = false) throws -> [HTTPResponse] {
    var p = HTTPResponseParser()
    var out: [HTTPResponse] = []
    for chunk in split.chunks(bytes) {
        p.append(chunk)
        while let r = try p.next() { out.append(r) }
    }
    if eof, let r = try p.finish() { out.append(r) }
    return out
}

@Suite struct HTTPResponseTests {
    /// Content-Length, lowercase-hex chunked with extensions and trailers, an interim 100 and a
    /// close-delimited body all parse the same at every split.
    @Test(arguments: Split.allCases)
    func framingVariantsParse(split: Split) throws {
        let text =
            "HTTP/1.1 100 Continue\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            + "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "a;name=v\r\n0123456789\r\n00003\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
            + "HTTP/1.0 200\r\nServer: x\r\n\r\nuntil close"
        let rs = try parseResponses(Array(text.utf8), split: split, eof: true)
        try #require(rs.count == 4)
        #expect(rs[0].status == 200 && rs[0].reason == "OK" && rs[0].bodyText == "hello")
        #expect(rs[1].status == 400 && rs[1].bodyText == "0123456789abc")
        #expect(rs[2].status == 204 && rs[2].body.isEmpty)
        #expect(rs[3].status == 200 && rs[3].reason == "" && rs[3].bodyText == "until close")
    }

    /// A stream that ends inside a body is an error, not a short response.
    @Test func truncatedBodyThrowsOnFinish() throws {
        var p = HTTPResponseParser()
        p.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8))
        #expect(try p.next() == nil)
        #expect(throws: HTTPParserError.truncatedMessage) { try p.finish() }
    }

    /// The body limit applies to every framing.
    @Test func bodyLimit() {
        var p = HTTPResponseParser(maxBodySize: 4)
        p.append(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n".utf8))
        #expect(throws: HTTPParserError.bodyTooLarge) { try p.next() }
        var q = HTTPResponseParser(maxBodySize: 4)
        q.append(Array("HTTP/1.1 200 OK\r\n\r\n12345".utf8))
        #expect(throws: HTTPParserError.bodyTooLarge) { try q.next() }
        var r = HTTPResponseParser()
        r.append(Array("HTTP/1.1 2000 OK\r\n\r\n".utf8))
        #expect(throws: HTTPParserError.invalidStatusLine) { try r.next() }
    }

    /// serialize() adds Content-Length, skips it for 101/204/chunked, and drops header
    /// fields that would inject lines.
    @Test func serializeFramesAndSanitises() {
        var r = HTTPResponse(
            status: 200, headers: ["X-A": "1", "X-Evil": "a\r\nSet-Cookie: x"], body: Array("hi".utf8))
        #expect(
            String(decoding: r.serialize(), as: UTF8.self) == "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi"
        )
        r = HTTPResponse(status: 101, headers: ["Upgrade": "websocket"])
        #expect(
            String(decoding: r.serialize(), as: UTF8.self)
                == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
        r = HTTPResponse(status: 200, headers: ["Transfer-Encoding": "chunked"])
        #expect(!String(decoding: r.serialize(), as: UTF8.self).contains("Content-Length"))
    }

    /// The JSON helper sets the content type and encodes the value.
    @Test func jsonHelper() throws {
        struct Body: Encodable { let status: String }
        let r = try HTTPResponse.json(404, Body(status: "a/b"))
        #expect(r.status == 404 && r.reason == "Not Found")
        #expect(r.headers["content-type"] == "application/json; charset=utf-8")
        #expect(r.bodyText == #"{"status":"a/b"}"#)
        #expect(HTTPResponse.json(200, Data("[]".utf8)).body == Array("[]".utf8))
    }

    /// Headers keep order and duplicates; lookups ignore case.
    @Test func headersAreOrderedAndCaseInsensitive() {
        var h = HTTPHeaders()
        h.add("Set-Cookie", "a=1")
        h.add("X", "y")
        h.add("set-cookie", "b=2")
        #expect(h["SET-COOKIE"] == "a=1")
        #expect(h.values("Set-Cookie") == ["a=1", "b=2"])
        h.replace("SET-COOKIE", "c=3")
        #expect(h.map(\.name) == ["X", "SET-COOKIE"])
        h.remove("x")
        #expect(h.count == 1 && h["x"] == nil)
        #expect(HTTPStatus.reason(for: 431) == "Request Header Fields Too Large")
    }

    /// Percent and form decoding keep order, decode `+` only in forms, and reject bad escapes.
    @Test func percentAndFormDecoding() throws {
        #expect(try PercentDecoding.decode("a%2Fb+c") == "a/b+c")
        #expect(try PercentDecoding.decode("%C3%A9", plusAsSpace: true) == "é")
        #expect(throws: PercentDecodingError.invalidEscape) { try PercentDecoding.decode("%4") }
        #expect(throws: PercentDecodingError.invalidUTF8) { try PercentDecoding.decode("%FF") }
        let form = try PercentDecoding.parseForm(Array("user=ad+min&pw=p%40ss&&flag&user=2".utf8))
        #expect(form.map(\.name) == ["user", "pw", "flag", "user"])
        #expect(form.map(\.value) == ["ad min", "p@ss", "", "2"])
    }
}
