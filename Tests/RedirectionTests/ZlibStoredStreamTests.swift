// The simulator's stored-block zlib stream and Adler-32.
import Simulator
import Testing

@Suite struct ZlibStoredStreamTests {
    /// The first two ZRLE tiles of the traced KVM session (A15) are reproduced byte for byte.
    @Test func matchesTracedStoredRectangles() {
        var z = ZlibStoredStream()
        #expect(z.write([0x01, 0x00]) == hexBytes("78 9C 00 02 00 FD FF 01 00"))
        #expect(z.write([0x01, 0x00]) == hexBytes("00 02 00 FD FF 01 00"))
    }

    /// Adler-32 matches the RFC 1950 definition on known inputs, across the 5552-byte batch.
    @Test func adler32MatchesKnownValues() {
        var a = Adler32()
        a.update(ascii("Wikipedia"))
        #expect(a.value == 0x11E6_0398)
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var b = Adler32()
        b.update(big.prefix(30_000))
        b.update(big.dropFirst(30_000))
        #expect(b.value == StoredInflater.adler32(big))
    }

    /// A finished stream is valid zlib: large writes split into 65535-byte blocks, sync
    /// markers optional, the final block and checksum inflate cleanly at any split.
    @Test(arguments: [false, true]) func finishedStreamInflates(syncFlush: Bool) throws {
        var z = ZlibStoredStream(syncFlush: syncFlush)
        let first = (0..<70_000).map { UInt8(truncatingIfNeeded: $0) }
        var stream = z.write(first)
        stream += z.write(ascii("tail"))
        stream += z.finish()
        #expect(stream.count == 2 + 3 * 5 + 70_004 + (syncFlush ? 10 : 0) + 5 + 4)
        for chunks in splits(of: stream, seeds: [9]) {
            var inflater = StoredInflater()
            var out: [UInt8] = []
            for chunk in chunks { out += try inflater.feed(chunk) }
            #expect(out == first + ascii("tail"))
            #expect(inflater.finished && !inflater.hasLeftover)
        }
    }
}
