// The decoder on bulk channel data: large CHANNEL_DATA payloads, whole or handed over.

import APF
import Testing

@Suite struct APFDecoderBulkTests {
    static func payload(_ count: Int, salt: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ salt) }
    }

    /// Large payloads among small messages.
    static let messages: [APFMessage] = [
        .keepAliveRequest(cookie: 1),
        .channelData(recipient: 4, data: payload(70_000, salt: 7)),
        .windowAdjust(recipient: 4, bytes: 499),
        .channelData(recipient: 4, data: payload(4097, salt: 1)),
        .channelData(recipient: 5, data: payload(65_536, salt: 3)),
        .channelData(recipient: 4, data: payload(4096, salt: 2)),
        .channelClose(recipient: 4),
    ]

    /// The same messages however the stream is cut.
    @Test(arguments: Feeding.allCases)
    func bulkStreamDecodesAtAnySplit(_ feeding: Feeding) throws {
        let stream = Self.messages.flatMap { $0.encode() }
        #expect(try decodeAll(stream, role: .server, feeding: feeding) == Self.messages)
    }

    /// Fed as a TLS sender delivers them (records of at most 16 KiB that end where each message
    /// ends), every large payload is handed over and the decoder holds nothing afterwards.
    @Test func recordAlignedStreamDecodes() throws {
        let largest = APFMessage.channelData(
            recipient: 6, data: Self.payload(APFConstants.maxChannelData, salt: 9))
        let messages = Self.messages + [largest, .keepAliveRequest(cookie: 4)]
        var decoder = APFDecoder(role: .server)
        var decoded: [APFMessage] = []
        for message in messages {
            let bytes = message.encode()
            for start in stride(from: 0, to: bytes.count, by: 16_384) {
                decoder.append(bytes[start..<min(start + 16_384, bytes.count)])
                while let next = try decoder.next() { decoded.append(next) }
            }
            #expect(decoder.bufferedByteCount == 0)
        }
        #expect(decoded == messages)
    }

    /// A payload whose header came in the same read as earlier messages, and whose end came
    /// with the start of the next message.
    @Test func payloadBetweenOtherMessagesInOneRead() throws {
        let data = Self.payload(50_000, salt: 5)
        let first = APFMessage.keepAliveRequest(cookie: 2).encode()
        let bulk = APFMessage.channelData(recipient: 1, data: data).encode()
        let last = APFMessage.keepAliveReply(cookie: 3).encode()
        var decoder = APFDecoder(role: .server)
        decoder.append(first + bulk.prefix(100))
        #expect(try decoder.next() == .keepAliveRequest(cookie: 2))
        #expect(try decoder.next() == nil)
        decoder.append(bulk.dropFirst(100) + last.prefix(3))
        #expect(try decoder.next() == .channelData(recipient: 1, data: data))
        #expect(try decoder.next() == nil)
        decoder.append(last.dropFirst(3))
        #expect(try decoder.next() == .keepAliveReply(cookie: 3))
        #expect(decoder.bufferedByteCount == 0)
    }

    /// A payload over the limit is still refused as soon as its length is read, before any
    /// room is made for it.
    @Test func oversizedPayloadIsRefusedAtItsHeader() {
        var decoder = APFDecoder(role: .server)
        let length = UInt32(APFConstants.maxChannelData + 1)
        decoder.append([94, 0, 0, 0, 4] + withUnsafeBytes(of: length.bigEndian) { Array($0) })
        #expect(throws: APFError.channelDataTooLarge(length: length)) { try decoder.next() }
    }
}
