// The simulated KVM: 0x40/0x41, RFB 3.8 bring-up, ZRLE over one stored zlib stream.
import Foundation
import Simulator
import Testing

/// A minimal RFB viewer for the tests: applies FramebufferUpdates (Raw, or ZRLE through one
/// persistent inflater) to a framebuffer of pixel values.
struct TestViewer {
    var width = 640, height = 400
    var format = RFBPixelFormat.rgb565
    var pixels: [UInt32] = Array(repeating: 0xFFFF_FFFF, count: 640 * 400)
    var inflater = StoredInflater()

    /// Applies one whole FramebufferUpdate; returns its rectangle count.
    mutating func apply(_ m: [UInt8]) throws -> Int {
        guard m.count >= 4, m[0] == 0 else { throw InflateError() }
        let count = Int(m[2]) << 8 | Int(m[3])
        var i = 4
        let be16 = { (o: Int) in Int(m[o]) << 8 | Int(m[o + 1]) }
        let be32 = { (o: Int) in
            Int(m[o]) << 24 | Int(m[o + 1]) << 16 | Int(m[o + 2]) << 8 | Int(m[o + 3])
        }
        for _ in 0..<count {
            let (x, y, w, h, enc) = (be16(i), be16(i + 2), be16(i + 4), be16(i + 6), be32(i + 8))
            i += 12
            guard (1...64).contains(w), (1...64).contains(h) else { throw InflateError() }
            let tile: [UInt32]
            if enc == 16 {
                let n = be32(i)
                tile = try self.zrle(try self.inflater.feed(Array(m[(i + 4)..<(i + 4 + n)])), w * h)
                i += 4 + n
            } else {
                let size = w * h * self.cpixel
                tile = self.pixels(Array(m[i..<(i + size)]))
                i += size
            }
            for r in 0..<h {
                for c in 0..<w { self.pixels[(y + r) * self.width + x + c] = tile[r * w + c] }
            }
        }
        guard i == m.count else { throw InflateError() }
        return count
    }

    var cpixel: Int { Int(self.format.bitsPerPixel) / 8 }

    func pixels(_ b: [UInt8]) -> [UInt32] {
        stride(from: 0, to: b.count, by: self.cpixel).map {
            self.value(Array(b[$0..<($0 + self.cpixel)]))
        }
    }

    func value(_ b: [UInt8]) -> UInt32 {
        b.count == 1 ? UInt32(b[0]) : UInt32(b[0]) | UInt32(b[1]) << 8
    }

    func zrle(_ t: [UInt8], _ n: Int) throws -> [UInt32] {
        let p = self.cpixel
        switch t.first {
        case 1: return Array(repeating: self.value(Array(t[1..<(1 + p)])), count: n)
        case 0: return self.pixels(Array(t[1...]))
        case 128:
            var out: [UInt32] = []
            var i = 1
            while i < t.count {
                let v = self.value(Array(t[i..<(i + p)]))
                i += p
                var run = 1
                while t[i] == 255 {
                    run += 255
                    i += 1
                }
                run += Int(t[i])
                i += 1
                out += Array(repeating: v, count: run)
            }
            guard out.count == n else { throw InflateError() }
            return out
        default: throw InflateError()
        }
    }

    /// The screen as the viewer should now show it, in pixel values of its format.
    func expected(_ screen: SimulatedScreen) -> [UInt32] {
        let colours = SimulatedScreen.palette.map { self.format.value(r: $0.r, g: $0.g, b: $0.b) }
        return screen.pixels.map { colours[Int($0)] }
    }
}

@Suite struct SimulatedKVMTests {
    static let t0 = SimulatedEndpointTests.t0
    static let encodings = hexBytes("02 00 00 04 00 00 00 10 00 00 00 00 00 00 04 44 FF FF FF 21")
    static let fullRequest = hexBytes("03 01 00 00 00 00 02 80 01 90")
    static let bringUp = hexBytes("40 00 00 00 00 00 00 00") + ascii("RFB 003.008\n") + [1, 1]

    func session() -> SimulatedRedirectionEndpoint {
        var (e, _) = authenticatedEndpoint(Vectors.startKVM)
        _ = e.received(Self.bringUp, now: Self.t0)
        return e
    }

    /// 0x41 and the version, None among AMT's security types, an OK result, then a
    /// ServerInit of 640x400 RGB565 little-endian named like AMT's — at any split.
    @Test func bringsUpRFB() {
        let expected =
            hexBytes("41 00 00 00 00 00 00 00") + ascii("RFB 003.008\n") + [2, 1, 0x80]
            + [0, 0, 0, 0]
            + hexBytes("02 80 01 90 10 10 00 01 00 1F 00 3F 00 1F 0B 05 00 00 00 00 00 00 00 10")
            + ascii("Intel(r) AMT KVM")
        for chunks in splits(of: Self.bringUp) {
            var (e, _) = authenticatedEndpoint(Vectors.startKVM)
            #expect(feed(&e, chunks, now: Self.t0).bytes == expected)
        }
    }

    /// A bad version or a security type other than None ends the session.
    @Test func refusesBadVersionAndSecurity() {
        var (e, _) = authenticatedEndpoint(Vectors.startKVM)
        _ = e.received(hexBytes("40 00 00 00 00 00 00 00"), now: Self.t0)
        #expect(e.received(ascii("RFB 003.003\n"), now: Self.t0).close)
        var (s, _) = authenticatedEndpoint(Vectors.startKVM)
        let out = s.received(
            hexBytes("40 00 00 00 00 00 00 00") + ascii("RFB 003.008\n") + [2],
            now: Self.t0
        )
        #expect(out.close && Array(out.bytes.suffix(33).prefix(8)) == [0, 0, 0, 1, 0, 0, 0, 25])
    }

    /// The first update paints all 70 tiles through one zlib stream (header once); a key
    /// press and a later clock change send only changed tiles; the viewer's picture always
    /// equals the simulated screen, and typed characters are on it.
    @Test func streamsScreenChangesAsZRLE() throws {
        var e = self.session()
        var viewer = TestViewer()
        _ = e.received(Self.encodings, now: Self.t0)
        let first = e.received(Self.fullRequest, now: Self.t0).bytes
        // Header, first rectangle at (0,0), encoding 16, length, then the zlib header.
        #expect(
            first.count > 22 && Array(first[12..<16]) == [0, 0, 0, 16]
                && Array(first[20..<22]) == [0x78, 0x9C]
        )
        #expect(try viewer.apply(first) == 70)
        let blank = try #require(e.kvm?.rfb.desktop.render())
        #expect(viewer.pixels == viewer.expected(blank))

        // No pending request: a key changes the screen but sends nothing yet.
        #expect(e.received(hexBytes("04 01 00 00 00 00 00 61"), now: Self.t0).bytes.isEmpty)
        let typed = e.received(hexBytes("03 01 00 00 00 00 02 80 01 90"), now: Self.t0).bytes
        let changed = try viewer.apply(typed)
        #expect(changed >= 1 && changed < 10)
        let screen = try #require(e.kvm?.rfb.desktop)
        #expect(screen.typed == "a")
        #expect(viewer.pixels == viewer.expected(screen.render()))
        #expect(viewer.expected(screen.render()) != viewer.expected(blank))

        // An incremental request with nothing new waits; time passing answers it.
        #expect(e.received(Self.fullRequest, now: Self.t0).bytes.isEmpty)
        let later = e.tick(now: Self.t0.addingTimeInterval(1)).bytes
        #expect(try viewer.apply(later) >= 1)
        #expect(viewer.pixels == viewer.expected(try #require(e.kvm?.rfb.desktop.render())))
    }

    /// The pointer leaves a mark; SetPixelFormat RGB332 or grey 8 repaints everything with
    /// one-byte pixels.
    @Test(arguments: [
        (
            hexBytes("00 00 00 00 08 08 00 01 00 07 00 07 00 03 05 02 00 00 00 00"),
            RFBPixelFormat.rgb332
        ),
        (
            hexBytes("00 00 00 00 08 08 00 01 00 FF 00 00 00 00 00 00 00 00 00 00"),
            RFBPixelFormat.grey8
        ),
    ])
    func switchesPixelFormats(message: [UInt8], format: RFBPixelFormat) throws {
        var e = self.session()
        var viewer = TestViewer()
        _ = e.received(Self.encodings, now: Self.t0)
        _ = try viewer.apply(e.received(Self.fullRequest, now: Self.t0).bytes)
        _ = e.received(hexBytes("05 00 00 64 00 C8"), now: Self.t0)
        #expect(e.kvm?.rfb.desktop.pointer.x == 100 && e.kvm?.rfb.desktop.pointer.y == 200)
        _ = e.received(message, now: Self.t0)
        #expect(e.kvm?.rfb.format == format)
        viewer.format = format
        #expect(try viewer.apply(e.received(Self.fullRequest, now: Self.t0).bytes) == 70)
        #expect(viewer.pixels == viewer.expected(try #require(e.kvm?.rfb.desktop.render())))
        // White cursor mark at (100, 200) on the blue background; red while a button is held.
        let white = format.value(r: 255, g: 255, b: 255)
        #expect(viewer.pixels[200 * 640 + 100] == white && viewer.pixels[200 * 640 + 104] == white)
        #expect(viewer.pixels[200 * 640 + 106] == format.value(r: 0, g: 0, b: 170))
        _ = e.received(hexBytes("05 01 00 64 00 C8"), now: Self.t0)
        _ = try viewer.apply(e.received(Self.fullRequest, now: Self.t0).bytes)
        #expect(viewer.pixels[200 * 640 + 100] == format.value(r: 255, g: 85, b: 85))
    }

    /// Without ZRLE in SetEncodings the server falls back to Raw; unsupported formats and
    /// unknown messages end the session.
    @Test func fallsBackToRawAndRejectsNonsense() throws {
        var e = self.session()
        var viewer = TestViewer()
        let update = e.received(
            hexBytes("02 00 00 01 00 00 00 00") + Self.fullRequest,
            now: Self.t0
        ).bytes
        #expect(Array(update[12..<16]) == [0, 0, 0, 0])
        #expect(try viewer.apply(update) == 70)
        #expect(viewer.pixels == viewer.expected(try #require(e.kvm?.rfb.desktop.render())))
        var bad = self.session()
        #expect(
            bad.received(
                hexBytes("00 00 00 00 20 18 00 01 00 FF 00 FF 00 FF 10 08 00 00 00 00"),
                now: Self.t0
            ).close
        )
        var unknown = self.session()
        #expect(unknown.received([0x09], now: Self.t0).close)
    }

    /// The same client script gives the same device bytes whole, byte by byte and split.
    @Test func parsesClientMessagesAtAnySplit() {
        let script =
            Self.encodings + hexBytes("05 00 00 10 00 10") + hexBytes("04 01 00 00 00 00 00 62")
            + hexBytes("06 00 00 00 00 00 00 03 61 62 63") + Self.fullRequest
        var reference: [UInt8]?
        for chunks in splits(of: script) {
            var e = self.session()
            let out = feed(&e, chunks, now: Self.t0)
            if let reference { #expect(out.bytes == reference) } else { reference = out.bytes }
            #expect(e.kvm?.rfb.desktop.typed == "b")
        }
    }
}
