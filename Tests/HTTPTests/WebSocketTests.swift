// SPDX-License-Identifier: Apache-2.0

import Testing
import TestSupport

@testable import HTTP

private func decodeAll(_ bytes: [UInt8], role: WebSocketRole, split: Split, max: Int = 1 << 20) throws
    -> [WebSocketMessage]
{
    var d = WebSocketFrameDecoder(role: role, maxMessageSize: max)
    var out: [WebSocketMessage] = []
    for chunk in split.chunks(bytes) {
        d.append(chunk)
        while let m = try d.next() { out.append(m) }
    }
    return out
}

private func decodeError(_ bytes: [UInt8], role: WebSocketRole = .server, max: Int = 1 << 20) -> WebSocketError? {
    do {
        _ = try decodeAll(bytes, role: role, split: .whole, max: max)
        return nil
    } catch let e as WebSocketError {
        return e
    } catch {
        return nil
    }
}

@Suite struct WebSocketTests {
    /// RFC 6455 §1.3's worked example.
    @Test func acceptKeyMatchesRFCExample() {
        #expect(WebSocket.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    /// RFC 6455 §5.7 examples: a masked "Hello" and a fragmented unmasked "Hel"+"lo".
    @Test(arguments: Split.allCases)
    func rfcExamplesDecode(split: Split) throws {
        let masked: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        #expect(try decodeAll(masked, role: .server, split: split) == [.text("Hello")])
        let fragmented: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x00, 0x80, 0x02, 0x6c, 0x6f]
        #expect(try decodeAll(fragmented, role: .client, split: split) == [.ping([]), .text("Hello")])
    }

    /// Client-encoded frames of every length class decode on the server side, unmasked.
    @Test(arguments: [0, 125, 126, 65535, 65536, 300_001])
    func clientFramesRoundTrip(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let frame = WebSocketFrameEncoder(role: .client).encode(.binary(payload))
        #expect(frame[1] & 0x80 != 0)
        #expect(try decodeAll(frame, role: .server, split: .random2) == [.binary(payload)])
        let serverFrame = WebSocketFrameEncoder(role: .server).encode(.binary(payload))
        #expect(try decodeAll(serverFrame, role: .client, split: .whole) == [.binary(payload)])
    }

    /// A server header followed by the bare payload is the same frame as one encoded whole.
    @Test(arguments: [0, 125, 126, 65535, 65536, 300_001])
    func serverHeaderThenPayloadIsAFrame(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let encoder = WebSocketFrameEncoder(role: .server)
        let split = encoder.serverHeader(.binary, length: payload.count) + payload
        #expect(split == encoder.encode(.binary(payload)))
        #expect(try decodeAll(split, role: .client, split: .random2) == [.binary(payload)])
    }

    /// Close frames: empty means 1005, codes are validated, reasons must be UTF-8.
    @Test func closeFrames() throws {
        let enc = WebSocketFrameEncoder(role: .server)
        #expect(
            try decodeAll(enc.encode(.close(code: 1000, reason: "bye")), role: .client, split: .whole)
                == [.close(code: 1000, reason: "bye")])
        #expect(try decodeAll(enc.frame(.close, []), role: .client, split: .whole) == [.close(code: 1005, reason: "")])
        #expect(decodeError(enc.frame(.close, [0x03]), role: .client) == .invalidClosePayload)
        #expect(decodeError(enc.frame(.close, [0x03, 0xED]), role: .client) == .invalidCloseCode(1005))
        #expect(decodeError(enc.frame(.close, [0x03, 0xE8, 0xFF]), role: .client) == .invalidUTF8)
    }

    /// Each protocol violation maps to its error and close code.
    @Test func protocolViolations() {
        let server = WebSocketFrameEncoder(role: .server)
        let client = WebSocketFrameEncoder(role: .client)
        #expect(decodeError(server.encode(.text("x")), role: .server) == .maskRequired)
        #expect(decodeError(client.encode(.text("x")), role: .client) == .unexpectedMask)
        #expect(decodeError([0xC1, 0x80, 0, 0, 0, 0]) == .reservedBitsSet)
        #expect(decodeError([0x83, 0x80, 0, 0, 0, 0]) == .reservedOpcode(3))
        #expect(decodeError(client.frame(.ping, [], fin: false)) == .fragmentedControlFrame)
        #expect(decodeError(client.frame(.ping, Array(repeating: 1, count: 126))) == .controlFrameTooLong)
        #expect(decodeError(client.frame(.continuation, [1])) == .unexpectedContinuation)
        #expect(
            decodeError(client.frame(.text, [0x61], fin: false) + client.frame(.text, [0x62])) == .expectedContinuation)
        #expect(decodeError([0x82, 0xFE, 0x00, 0x05, 0, 0, 0, 0]) == .nonMinimalLength)
        #expect(decodeError([0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 0]) == .nonMinimalLength)
        #expect(decodeError([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == .nonMinimalLength)
        #expect(decodeError(client.encode(.binary([1, 2, 3])), max: 2) == .messageTooLarge)
        let tooBig = client.frame(.binary, [1, 2], fin: false) + client.frame(.continuation, [3])
        #expect(decodeError(tooBig, max: 2) == .messageTooLarge)
        #expect(decodeError(client.frame(.text, [0xC3, 0x28])) == .invalidUTF8)
        #expect(WebSocketError.invalidUTF8.closeCode == 1007 && WebSocketError.maskRequired.closeCode == 1002)
        #expect(WebSocketError.messageTooLarge.closeCode == 1009)
    }

    /// A fragmented text message split inside a UTF-8 sequence is valid once reassembled.
    @Test func fragmentedUTF8Reassembles() throws {
        let c = WebSocketFrameEncoder(role: .client)
        let bytes = c.frame(.text, [0xC3], fin: false) + c.frame(.pong, [9]) + c.frame(.continuation, [0xA9])
        #expect(try decodeAll(bytes, role: .server, split: .byteByByte) == [.pong([9]), .text("é")])
    }

    /// The upgrade helper answers 101 with the accept key, and 400/405/426 for bad handshakes.
    @Test func upgradeValidation() throws {
        var h: HTTPHeaders = [
            "Host": "a", "Upgrade": "WebSocket", "Connection": "keep-alive, Upgrade",
            "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Protocol": "jwt.token, other",
        ]
        let req = HTTPRequest(method: "GET", target: "/relay", path: "/relay", headers: h)
        let r = try WebSocket.upgradeResponse(for: req, subprotocol: "jwt.token")
        #expect(r.status == 101)
        #expect(r.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(r.headers["Sec-WebSocket-Protocol"] == "jwt.token")
        #expect(WebSocket.offeredProtocols(req) == ["jwt.token", "other"])
        #expect(throws: WebSocketUpgradeError.methodNotGet) {
            try WebSocket.upgradeResponse(for: HTTPRequest(method: "POST", target: "/", path: "/", headers: h))
        }
        h.replace("Sec-WebSocket-Version", "8")
        let e = #expect(throws: WebSocketUpgradeError.self) {
            try WebSocket.upgradeResponse(for: HTTPRequest(method: "GET", target: "/", path: "/", headers: h))
        }
        #expect(e?.response.status == 426 && e?.response.headers["Sec-WebSocket-Version"] == "13")
        h.replace("Sec-WebSocket-Version", "13")
        h.replace("Sec-WebSocket-Key", "c2hvcnQ=")
        #expect(throws: WebSocketUpgradeError.invalidKey) {
            try WebSocket.upgradeResponse(for: HTTPRequest(method: "GET", target: "/", path: "/", headers: h))
        }
    }

    /// Unmasking a large KVM-sized frame takes milliseconds, not seconds.
    @Test func largeBinaryFastPath() throws {
        let payload = [UInt8](repeating: 0x5A, count: 4 << 20)
        let frame = WebSocketFrameEncoder(role: .client).encode(.binary(payload))
        var got: [WebSocketMessage] = []
        // CPU time, not wall time: the work is the point, not how long the thread was preempted.
        let (_, elapsed) = try measureThreadCPUTime {
            got = try decodeAll(frame, role: .server, split: .whole, max: 8 << 20)
        }
        #expect(got == [.binary(payload)])
        #expect(elapsed < .seconds(1), "\(elapsed)")
    }
}
