import Testing

@testable import Crypto

@Suite struct OpenSSLMemoryTests {
    typealias Paths = OpenSSLMemory.Paths

    /// Fills `count` bytes with a pattern of `seed`; checks it back.
    static func fill(_ p: UnsafeMutableRawPointer, _ count: Int, _ seed: UInt8) {
        for i in 0..<count {
            p.storeBytes(of: UInt8(truncatingIfNeeded: i) &+ seed, toByteOffset: i, as: UInt8.self)
        }
    }
    static func holds(_ p: UnsafeMutableRawPointer, _ count: Int, _ seed: UInt8) -> Bool {
        (0..<count).allSatisfy {
            p.load(fromByteOffset: $0, as: UInt8.self) == UInt8(truncatingIfNeeded: $0) &+ seed
        }
    }

    /// Fresh requests go by size: 1-4 KiB to the page pool, 16-20 KiB to the record pool.
    @Test func requestsGoBySize() throws {
        #expect(Paths.reserve())
        let cases: [(Int, OpenSSLMemory.Home)] = [
            (64, .heap), (1023, .heap), (1024, .pagePool), (4096, .pagePool), (7624, .heap),
            (16 * 1024, .recordPool), (20 * 1024, .recordPool), (20 * 1024 + 1, .heap),
        ]
        for (count, home) in cases {
            let p = try #require(Paths.allocate(count))
            #expect(Paths.home(p) == home, "\(count) bytes")
            Self.fill(p, count, 7)
            #expect(Self.holds(p, count, 7))
            Paths.free(p)
        }
    }

    /// A buffer grown by realloc keeps its bytes as it moves heap → page pool → record pool →
    /// heap; realloc(NULL) from 4 KiB starts in the record pool.
    @Test func growingBuffersMoveAndKeepTheirBytes() throws {
        #expect(Paths.reserve())
        var p = try #require(Paths.allocate(500))
        Self.fill(p, 500, 3)
        p = try #require(Paths.reallocate(p, 3000))
        #expect(Paths.home(p) == .pagePool && Self.holds(p, 500, 3))
        Self.fill(p, 3000, 4)
        p = try #require(Paths.reallocate(p, 3500))
        #expect(Paths.home(p) == .pagePool && Self.holds(p, 3000, 4))
        p = try #require(Paths.reallocate(p, 9000))
        #expect(Paths.home(p) == .recordPool && Self.holds(p, 3000, 4))
        Self.fill(p, 9000, 5)
        p = try #require(Paths.reallocate(p, 30_000))
        #expect(Paths.home(p) == .heap && Self.holds(p, 9000, 5))
        Paths.free(p)
        let q = try #require(Paths.reallocate(nil, 5000))
        #expect(Paths.home(q) == .recordPool)
        let r = try #require(Paths.reallocate(Paths.allocate(200), 6000))
        #expect(Paths.home(r) == .recordPool)
        Paths.free(q)
        Paths.free(r)
    }
}
