// SPDX-License-Identifier: Apache-2.0

import TestSupport

/// The ways every parser test feeds its input: whole, one byte at a time, and at random cuts.
enum Split: CaseIterable {
    case whole, byteByByte, random1, random2, random3

    func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole: return [bytes[...]]
        case .byteByByte: return bytes.indices.map { bytes[$0...$0] }
        case .random1, .random2, .random3:
            return randomPieces(bytes, seed: UInt64(bytes.count) &* 31 &+ UInt64(self.seed), maxPiece: 97)
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
