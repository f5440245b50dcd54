// SPDX-License-Identifier: Apache-2.0

/// A small deterministic PRNG so random split tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The ways every parser test feeds its input: whole, one byte at a time, and at random cuts.
enum Split: CaseIterable {
    case whole, byteByByte, random1, random2, random3

    func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole: return [bytes[...]]
        case .byteByByte: return bytes.indices.map { bytes[$0...$0] }
        case .random1, .random2, .random3:
            var rng = SplitMix64(state: UInt64(bytes.count) &* 31 &+ UInt64(self.seed))
            var out: [ArraySlice<UInt8>] = []
            var i = 0
            while i < bytes.count {
                let n = Int.random(in: 1...max(1, min(97, bytes.count - i)), using: &rng)
                out.append(bytes[i..<(i + n)])
                i += n
            }
            return out
        }
    }

    private var seed: Int {
        switch self {
        case .random1: 1
        case .random2: 2
        default: 3
        }
    }
}
