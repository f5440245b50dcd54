// SPDX-License-Identifier: Apache-2.0

/// SplitMix64: a small deterministic generator, so that "random" splits and corruptions in the
/// tests are the same on every run and a failure can be replayed. Shared by the test targets.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `bytes` cut at seeded random points into pieces of 1 to `maxPiece` bytes, in order: how the
/// parser tests feed input "at random splits" reproducibly.
public func randomPieces(
    _ bytes: [UInt8], seed: UInt64, maxPiece: Int
) -> [ArraySlice<UInt8>] {
    var rng = SplitMix64(seed: seed)
    var out: [ArraySlice<UInt8>] = []
    var i = 0
    while i < bytes.count {
        let n = Int.random(in: 1...max(1, min(maxPiece, bytes.count - i)), using: &rng)
        out.append(bytes[i..<(i + n)])
        i += n
    }
    return out
}
