// The server's IDE-R disk provider against the simulated device's BIOS, at every split.

import Crypto
import Foundation
import Redirection
import Simulator
import Testing
import TestSupport

@Suite struct IDERDiskServerTests {
    static let image: [UInt8] = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
    static var padded: [UInt8] { image + [UInt8](repeating: 0, count: 3 * 2048 - image.count) }

    /// Splits bytes into chunks: whole, one byte each, or at random points (seeded).
    enum Split { case whole, bytes, random(UInt64) }

    static func chunks(_ bytes: [UInt8], _ split: Split, _ rng: inout SplitMix64) -> [[UInt8]] {
        guard !bytes.isEmpty else { return [] }
        switch split {
        case .whole: return [bytes]
        case .bytes: return bytes.map { [$0] }
        case .random:
            var out: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                let n = min(bytes.count - i, 1 + Int(rng.next() % 97))
                out.append(Array(bytes[i..<(i + n)]))
                i += n
            }
            return out
        }
    }

    /// Runs the disk server against the device until nothing moves; returns the device, the
    /// server, and the end if one came.
    static func run(_ split: Split, stopAtEnd: Bool = false)
        -> (SimulatedRedirectionEndpoint, SimulatedIDERSession?, IDERDiskServer, IDEREnd?)
    {
        var rng = SplitMix64(seed: { if case .random(let s) = split { s } else { 1 } }())
        var (device, _) = authenticatedEndpoint(Vectors.startIDER)
        var server = IDERDiskServer(imageSize: UInt64(Self.image.count))
        var pending = server.start()
        var end: IDEREnd?
        var stopped = false
        var ider: SimulatedIDERSession?
        for _ in 0..<10_000 {
            var toDevice: [UInt8] = []
            while !pending.isEmpty {
                let action = pending.removeFirst()
                switch action {
                case .send(let bytes): toDevice += bytes
                case .readImage(let offset, let count):
                    let start = min(Int(offset), Self.image.count)
                    let data = Array(Self.image[start..<min(Self.image.count, start + count)])
                    pending = server.imageData(data) + pending
                case .finished(let e): end = e
                }
            }
            var fromDevice: [UInt8] = []
            for chunk in Self.chunks(toDevice, split, &rng) {
                fromDevice += device.received(chunk, now: SimulatedEndpointTests.t0).bytes
            }
            if let session = device.ider { ider = session }  // kept: the device closes at the end
            for chunk in Self.chunks(fromDevice, split, &rng) { pending += server.received(chunk) }
            if pending.isEmpty {
                guard stopAtEnd, !stopped, device.ider?.readDigest != nil else { break }
                stopped = true
                pending = server.stop()
            }
        }
        return (device, ider, server, end)
    }

    /// The BIOS reads all three blocks (the last zero-padded) and gets the image's bytes,
    /// whatever the split of either direction.
    @Test(arguments: [Split.whole, .bytes, .random(7), .random(99)])
    func servesTheImageAtAnySplit(_ split: Split) throws {
        let (device, session, server, end) = Self.run(split, stopAtEnd: true)
        let ider = try #require(session)
        #expect(ider.capacity?.blocks == 3 && ider.capacity?.blockSize == 2048)
        #expect(ider.readDigest == hex(Hash.sha256(Self.padded)))
        #expect(ider.bytesRead == 3 * 2048)
        #expect(server.bytesServed == 3 * 2048)
        #expect(ider.lastSenseKey == nil)
        #expect(end == .stopped)
        #expect(device.isClosed)
    }

    /// READ(10) past the end and unknown commands get a check condition; writes are refused.
    @Test func refusesOutOfRangeAndUnknownCommands() {
        var server = IDERDiskServer(imageSize: 4096)
        _ = server.start()
        _ = server.received([0x41, 0, 0, 0, 0, 0, 0, 0, 1, 0, 15, 0, 0, 0, 0, 0, 0, 0x20, 0, 0x20]
            + [UInt8](repeating: 0, count: 10))
        _ = server.received([0x49, 0, 0, 0, 1, 0, 0, 0, 3, 0x19, 0, 0, 0])
        func command(_ packet: [UInt8]) -> [UInt8] {
            var m: [UInt8] = [0x50, 0, 0, 0, 2, 0, 0, 0] + [UInt8](repeating: 0, count: 20)
            m[14] = 0xB0
            for (i, b) in packet.enumerated() { m[16 + i] = b }
            return m
        }
        let beyond = server.received(command([0x28, 0, 0, 0, 0, 1, 0, 0, 2]))
        guard case .send(let reply)? = beyond.first else { Issue.record("no reply"); return }
        #expect(reply.count == 31 && reply[0] == 0x51 && reply[28] == 2 && reply[29] == 5 && reply[30] == 0x21)
        let unknown = server.received(command([0xA8]))
        guard case .send(let r2)? = unknown.first else { Issue.record("no reply"); return }
        #expect(r2[0] == 0x51 && r2[29] == 5 && r2[30] == 0x20)
        let write = server.received([0x53, 0, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0xAA, 0xBB])
        guard case .send(let r3)? = write.first else { Issue.record("no reply"); return }
        #expect(r3[0] == 0x51 && r3[29] == 7)
        #expect(server.received([0x99]) == [.finished(.protocolViolation)])
    }
}

