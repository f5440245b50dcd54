import Foundation
import Synchronization
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

    /// One byte every 256 (returned pages read back as zeros, so this finds them cheaply).
    static func mark(_ p: UnsafeMutableRawPointer, _ count: Int, _ seed: UInt8) {
        for i in stride(from: 0, to: count, by: 256) {
            p.storeBytes(of: seed | 1, toByteOffset: i, as: UInt8.self)
        }
    }
    static func marked(_ p: UnsafeMutableRawPointer, _ count: Int, _ seed: UInt8) -> Bool {
        stride(from: 0, to: count, by: 256).allSatisfy {
            p.load(fromByteOffset: $0, as: UInt8.self) == seed | 1
        }
    }

    /// Fresh requests go by size: below 1 KiB to the small-object slabs, 1-4 KiB to the page
    /// pool, 16-20 KiB to the record pool, the rest to the heap.
    @Test func requestsGoBySize() throws {
        #expect(Paths.reserve())
        let cases: [(Int, OpenSSLMemory.Home)] = [
            (0, .smallSlabs), (1, .smallSlabs), (64, .smallSlabs), (1023, .smallSlabs), (1024, .pagePool), (4096, .pagePool), (7624, .heap),
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
        var p = try #require(Paths.allocate(20))
        Self.fill(p, 20, 2)
        p = try #require(Paths.reallocate(p, 24))  // the same 24-byte slot
        #expect(Paths.home(p) == .smallSlabs && Paths.slotSize(p) == 24 && Self.holds(p, 20, 2))
        p = try #require(Paths.reallocate(p, 500))
        #expect(Paths.home(p) == .smallSlabs && Paths.slotSize(p) == 512 && Self.holds(p, 20, 2))
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
        let h = try #require(malloc(100))  // a heap pointer grown into the slabs and beyond
        Self.fill(h, 100, 8)
        let hs = try #require(Paths.reallocate(h, 300))
        #expect(Paths.home(hs) == .smallSlabs && Self.holds(hs, 100, 8))
        Paths.free(hs)
        let r = try #require(Paths.reallocate(Paths.allocate(200), 6000))
        #expect(Paths.home(r) == .recordPool)
        Paths.free(q)
        Paths.free(r)
    }

    /// Threads take more blocks than the warm sets hold, fill them, check them and give them
    /// back while another thread keeps trimming (returning free blocks' pages). A block must
    /// never lose its bytes once handed out (the relay bench saw TLS records of zeros when
    /// pages were returned after a block was already listed as free).
    @Test func blocksKeepTheirBytesWhileOthersReturnPages() throws {
        #expect(Paths.reserve())
        let threads = 4
        let rounds = 300
        let held = 160  // beyond the warm sets (4 record blocks, 8 pages) once all hold
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads + 1) { worker in
            guard worker < threads else {
                // Trims while the others hold, fill and free blocks.
                for _ in 0..<rounds * 4 { Paths.trim() }
                return
            }
            for round in 0..<rounds {
                let count = round % 2 == 0 ? 20 * 1024 : 4096
                let seed = UInt8(truncatingIfNeeded: worker * 31 + round)
                var blocks: [UnsafeMutableRawPointer] = []
                for _ in 0..<held {
                    guard let p = Paths.allocate(count) else { continue }
                    Self.mark(p, count, seed)
                    blocks.append(p)
                }
                let bad = blocks.filter { !Self.marked($0, count, seed) }.count
                if bad > 0 { failures.withLock { $0 += bad } }
                blocks.forEach(Paths.free)
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }

    /// A trim leaves the warm set and returns the rest; trimmed blocks serve again (zeroed).
    @Test func trimmedBlocksServeAgain() throws {
        #expect(Paths.reserve())
        let blocks = (0..<400).compactMap { _ in Paths.allocate(4096) }
        #expect(blocks.allSatisfy { Paths.home($0) == .pagePool })
        for p in blocks { Self.mark(p, 4096, 9) }
        blocks.forEach(Paths.free)
        Paths.trim()
        Paths.trim()  // a second trim finds nothing new to return
        let again = (0..<400).compactMap { _ in Paths.allocate(4096) }
        #expect(again.count == 400)
        for p in again { Self.mark(p, 4096, 11) }
        #expect(again.allSatisfy { Self.marked($0, 4096, 11) })
        again.forEach(Paths.free)
    }

    /// Slots are the request rounded up to 8 bytes (16 above 256); a freed slot is the next one
    /// handed out in its class; a class fills slab after slab and every slot keeps its bytes.
    @Test func smallObjectSlots() throws {
        #expect(Paths.reserve())
        for (count, slot) in [(1, 8), (8, 8), (9, 16), (24, 24), (250, 256), (256, 256),
                              (257, 272), (528, 528), (529, 544), (1000, 1008), (1023, 1024)] {
            let p = try #require(Paths.allocate(count))
            #expect(Paths.slotSize(p) == slot, "\(count) bytes")
            Paths.free(p)
        }
        let a = try #require(Paths.allocate(100))
        Paths.free(a)
        let b = try #require(Paths.allocate(97))  // same 104-byte class
        #expect(a == b)
        Paths.free(b)
        // 16 slots of 1,024 bytes fill a 16 KiB slab: 100 of them span seven slabs.
        let many = (0..<100).compactMap { _ in Paths.allocate(1020) }
        #expect(many.count == 100 && Set(many).count == 100)
        for (i, p) in many.enumerated() { Self.fill(p, 1020, UInt8(i)) }
        #expect(many.enumerated().allSatisfy { Self.holds($1, 1020, UInt8($0)) })
        many.forEach(Paths.free)
    }

    /// Threads allocate, fill, check and free small objects of every class, and free each
    /// other's, while another thread keeps trimming: no slot ever loses its bytes or is handed
    /// out twice.
    @Test func smallObjectsUnderConcurrency() throws {
        #expect(Paths.reserve())
        let threads = 4
        let failures = Mutex(0)
        let handoff = Mutex<[UInt]>([])  // addresses (raw pointers are not Sendable)
        DispatchQueue.concurrentPerform(iterations: threads + 1) { worker in
            guard worker < threads else {
                for _ in 0..<2000 { Paths.trim() }
                return
            }
            var rng = UInt64(worker + 1) &* 0x9E37_79B9_7F4A_7C15
            var held: [(UnsafeMutableRawPointer, Int, UInt8)] = []
            for round in 0..<20_000 {
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                let count = Int(rng >> 33) % 1024
                let seed = UInt8(truncatingIfNeeded: round &+ worker)
                guard let p = Paths.allocate(count) else { continue }
                Self.fill(p, count, seed)
                held.append((p, count, seed))
                if held.count > 300 || rng & 3 == 0 {
                    let (q, n, s) = held.removeFirst()
                    if !Self.holds(q, n, s) { failures.withLock { $0 += 1 } }
                    // Every eighth goes to another thread to free (OpenSSL objects may die
                    // on another thread than the one that made them).
                    if round % 8 == 0 {
                        let address = UInt(bitPattern: q)
                        handoff.withLock { $0.append(address) }
                    } else {
                        Paths.free(q)
                    }
                }
                if round % 64 == 0 {
                    let theirs = handoff.withLock { h -> [UInt] in
                        defer { h.removeAll() }
                        return h
                    }
                    theirs.forEach { Paths.free(UnsafeMutableRawPointer(bitPattern: $0)) }
                }
            }
            for (q, n, s) in held {
                if !Self.holds(q, n, s) { failures.withLock { $0 += 1 } }
                Paths.free(q)
            }
        }
        handoff.withLock { $0 }.forEach { Paths.free(UnsafeMutableRawPointer(bitPattern: $0)) }
        #expect(failures.withLock { $0 } == 0)
    }
}
