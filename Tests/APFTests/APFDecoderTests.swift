// The decoder: streams of many messages, role rules, limits, and sticky errors.

import APF
import Testing

@Suite struct APFDecoderTests {
    /// The device's half of the golden handshake decodes identically however it is split.
    @Test(arguments: Feeding.allCases)
    func decodesDeviceStreamAtAnySplit(_ feeding: Feeding) throws {
        let messages: [APFMessage] =
            [
                .protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID),
                .serviceRequest(APFConstants.authService), authRequest,
                .serviceRequest(APFConstants.portForwardingService),
            ] + amtPorts.map(forward) + [
                .keepAliveOptionsReply(interval: 30, timeout: 0),
                .keepAliveRequest(cookie: 1),
                .channelOpenConfirmation(recipient: 4, sender: 0, initialWindow: 512),
                .channelData(recipient: 4, data: Array(repeating: 7, count: 3000)),
                .windowAdjust(recipient: 4, bytes: 499), .channelClose(recipient: 4),
            ]
        let stream = messages.flatMap { $0.encode() }
        #expect(try decodeAll(stream, role: .server, feeding: feeding) == messages)
    }

    /// The MPS's half decodes on the device side, with both REQUEST_SUCCESS sizes in order.
    @Test(arguments: Feeding.allCases)
    func decodesServerStreamWithPendingReplies(_ feeding: Feeding) throws {
        let messages: [APFMessage] = [
            .serviceAccept(APFConstants.authService), .userAuthSuccess,
            .requestSuccess(port: 16992), .requestSuccess(port: nil), .requestFailure,
            .requestSuccess(port: 5900), .keepAliveOptionsRequest(interval: 30, timeout: 0),
            .keepAliveReply(cookie: 9), .channelData(recipient: 0, data: [1, 2, 3]),
        ]
        let stream = messages.flatMap { $0.encode() }
        let decoded = try decodeAll(
            stream,
            role: .device,
            expecting: [.tcpipForward, .cancelTcpipForward, .tcpipForward, .tcpipForward],
            feeding: feeding
        )
        #expect(decoded == messages)
    }

    /// `noteSent` records the reply a sent global request will get; udp-send-to gets none.
    @Test func noteSentQueuesReplyKinds() throws {
        var decoder = APFDecoder(role: .device)
        decoder.noteSent(
            .globalRequest(
                .udpSendTo(
                    address: "a",
                    port: 1,
                    originatorAddress: "b",
                    originatorPort: 2,
                    data: []
                )
            )
        )
        decoder.noteSent(.globalRequest(.cancelTcpipForward(address: "", port: 1)))
        decoder.noteSent(forward(16992))
        decoder.append(hex("51 51 00004260"))
        #expect(try decoder.next() == .requestSuccess(port: nil))
        #expect(try decoder.next() == .requestSuccess(port: 16992))
        #expect(try decoder.next() == nil)
    }

    /// A REQUEST_SUCCESS with nothing outstanding cannot be sized: fatal.
    @Test func rejectsUnexpectedReply() {
        var decoder = APFDecoder(role: .device)
        decoder.append([0x51])
        #expect(throws: APFError.unexpectedReply) { try decoder.next() }
    }

    /// Messages only the other side sends are unknown to this role (spec §3).
    @Test func rejectsMessagesOfTheOtherRole() {
        let onlyFromMPS: [[UInt8]] = [
            hex("06000000126175746840616d742e696e74656c2e636f6d"), [0x33], [0x34], [0x51], [0x52],
            hex("d20000001e00000000"),
        ]
        for bytes in onlyFromMPS {
            var decoder = APFDecoder(role: .server)
            decoder.append(bytes)
            #expect(throws: APFError.unknownMessageType(bytes[0])) { try decoder.next() }
        }
        let onlyFromDevice: [UInt8] = [0x05, 0x32, 0x50, 0xC0, 0xD3]
        for type in onlyFromDevice {
            var decoder = APFDecoder(role: .device)
            decoder.append([type])
            #expect(throws: APFError.unknownMessageType(type)) { try decoder.next() }
        }
    }

    /// SSH numbers APF does not use, and JSON_CONTROL, are fatal in both roles.
    @Test(arguments: [UInt8(0), 2, 95, 96, 98, 99, 100, 250, 255])
    func rejectsUnknownTypes(_ type: UInt8) {
        for role in [APFDecoder.Role.server, .device] {
            var decoder = APFDecoder(role: role)
            decoder.append([type, 0, 0, 0, 0])
            #expect(throws: APFError.unknownMessageType(type)) { try decoder.next() }
        }
    }

    /// An unknown global request is fatal instead of desynchronising (§8 item 17).
    @Test func rejectsUnknownGlobalRequest() {
        var decoder = APFDecoder(role: .server)
        decoder.append(hex("5000000003666f6f01 d012345678 d012345678"))
        #expect(throws: APFError.unknownGlobalRequest(name: "foo")) { try decoder.next() }
    }

    /// A string length of 2049 fails as soon as the length is read; 2048 is accepted.
    @Test func enforcesStringLimit() throws {
        var decoder = APFDecoder(role: .server)
        decoder.append(hex("05 00000801"))
        #expect(throws: APFError.stringTooLong(length: 2049)) { try decoder.next() }

        let name = String(repeating: "a", count: 2048)
        let ok = try decodeAll(
            APFMessage.serviceRequest(name).encode(),
            role: .server,
            feeding: .whole
        )
        #expect(ok == [.serviceRequest(name)])
    }

    /// Oversized USERAUTH fields are caught in every position, password included.
    @Test func enforcesStringLimitOnPassword() {
        var decoder = APFDecoder(role: .server)
        decoder.append(hex("32 00000001 61 00000001 62 00000008 70617373776f7264 00 7fffffff"))
        #expect(throws: APFError.stringTooLong(length: 0x7FFF_FFFF)) { try decoder.next() }
    }

    /// CHANNEL_DATA over 1 MiB fails on its header, before any payload is buffered (§8 #27).
    @Test func enforcesChannelDataLimitImmediately() throws {
        var decoder = APFDecoder(role: .server)
        decoder.append(hex("5e 00000004 7fffffff"))
        #expect(throws: APFError.channelDataTooLarge(length: 0x7FFF_FFFF)) { try decoder.next() }

        let max = APFMessage.channelData(
            recipient: 4,
            data: [UInt8](repeating: 1, count: APFConstants.maxChannelData)
        )
        #expect(try decodeAll(max.encode(), role: .device, feeding: .whole) == [max])
        var over = APFDecoder(role: .device)
        over.append(hex("5e 00000004 00100001"))
        #expect(throws: APFError.channelDataTooLarge(length: 0x10_0001)) { try over.next() }
    }

    /// A udp-send-to payload beyond a datagram is fatal; a valid one consumes exactly 70 bytes.
    @Test func boundsUdpSendTo() throws {
        let v24 = vectorBytes("V24")
        let stream = v24 + hex("d012345678")
        let messages = try decodeAll(stream, role: .server, feeding: .byteByByte)
        #expect(messages.count == 2)
        #expect(messages.last == .keepAliveRequest(cookie: 0x1234_5678))

        var decoder = APFDecoder(role: .server)
        decoder.append(Array(v24[0..<(v24.count - 7)]) + hex("00010000"))
        #expect(throws: APFError.datagramTooLarge(length: 65536)) { try decoder.next() }
    }

    /// Strings must be UTF-8: invalid bytes could otherwise collide after repair.
    @Test func rejectsInvalidUTF8() {
        var decoder = APFDecoder(role: .server)
        decoder.append(hex("05 00000002 fffe"))
        #expect(throws: APFError.invalidString) { try decoder.next() }
    }

    /// After an error every call throws it again: the stream cannot be resynchronised.
    @Test func errorsAreSticky() {
        var decoder = APFDecoder(role: .server)
        decoder.append([0x63])
        #expect(throws: APFError.unknownMessageType(0x63)) { try decoder.next() }
        decoder.append(hex("d012345678"))
        #expect(throws: APFError.unknownMessageType(0x63)) { try decoder.next() }
    }

    /// A partial message is kept: nil until complete, nothing consumed meanwhile.
    @Test func keepsPartialMessage() throws {
        var decoder = APFDecoder(role: .server)
        decoder.append(hex("d01234"))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 3)
        decoder.append(hex("5678"))
        #expect(try decoder.next() == .keepAliveRequest(cookie: 0x1234_5678))
        #expect(decoder.bufferedByteCount == 0)
    }

    /// 50,000 messages in one read all decode, in order, from one buffer.
    @Test func decodesManyMessagesFromOneRead() throws {
        let count = 50_000
        var stream: [UInt8] = []
        for i in 0..<count { stream += APFMessage.keepAliveRequest(cookie: UInt32(i)).encode() }
        var decoder = APFDecoder(role: .server)
        decoder.append(stream)
        var next: UInt32 = 0
        while let message = try decoder.next() {
            #expect(message == .keepAliveRequest(cookie: next))
            next += 1
        }
        #expect(next == UInt32(count))
        #expect(decoder.bufferedByteCount == 0)
    }
}
