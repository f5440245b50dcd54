import TestSupport

// Helpers shared by the redirection tests: hex vectors, seeded splits, a stored-block inflater.

/// Bytes from the spec's space-separated hex (newlines and comments after `"` ignored).
func hexBytes(_ text: String) -> [UInt8] {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt8($0, radix: 16) }
}

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The three ways every parser test feeds its input: whole, one byte at a time, and at random
/// split points (several seeds).
func splits(of bytes: [UInt8], seeds: [UInt64] = [1, 2, 3, 42]) -> [[[UInt8]]] {
    var out: [[[UInt8]]] = [[bytes], bytes.map { [$0] }]
    for seed in seeds {
        out.append(randomPieces(bytes, seed: seed, maxPiece: 17).map(Array.init))
    }
    return out
}

struct InflateError: Error {}

/// Inflates a zlib stream made only of stored blocks (what the simulator emits), checking the
/// header, every LEN/NLEN pair and, when `complete`, the final block and Adler-32 trailer.
struct StoredInflater {
    private var pending: [UInt8] = []
    private var headerSeen = false
    private(set) var finished = false
    private(set) var output: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) throws -> [UInt8] {
        self.pending += bytes
        let before = self.output.count
        if !self.headerSeen {
            guard self.pending.count >= 2 else { return [] }
            let cmf = Int(self.pending[0])
            let flg = Int(self.pending[1])
            guard cmf & 0x0F == 8, (cmf * 256 + flg) % 31 == 0, flg & 0x20 == 0 else {
                throw InflateError()
            }
            self.pending.removeFirst(2)
            self.headerSeen = true
        }
        while !self.finished, self.pending.count >= 5 {
            let header = self.pending[0]
            guard header & 0b110 == 0 else { throw InflateError() }  // BTYPE must be 00
            let len = Int(self.pending[1]) | Int(self.pending[2]) << 8
            let nlen = Int(self.pending[3]) | Int(self.pending[4]) << 8
            guard len ^ nlen == 0xFFFF else { throw InflateError() }
            guard self.pending.count >= 5 + len else { break }
            self.output += self.pending[5..<(5 + len)]
            self.pending.removeFirst(5 + len)
            if header & 1 == 1 { self.finished = true }
        }
        if self.finished, self.pending.count >= 4 {
            let adler = self.pending.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard adler == Self.adler32(self.output) else { throw InflateError() }
            self.pending.removeFirst(4)
        }
        return Array(self.output[before...])
    }

    var hasLeftover: Bool { !self.pending.isEmpty }

    /// A straightforward Adler-32, independent of the simulator's incremental one.
    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}
