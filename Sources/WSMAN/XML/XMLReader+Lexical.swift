// SPDX-License-Identifier: Apache-2.0

/// Lexical helpers of ``XMLReader``: names, white space, byte comparisons, namespace lookup.
extension XMLReader {
    /// The namespace of a prefix (nil: the default namespace) in the current scope.
    func resolve(_ prefix: Range<Int>?) throws(WSMANError) -> String? {
        for binding in self.bindings.reversed() {
            switch (binding.prefix, prefix) {
            case (nil, nil): return binding.uri
            case (let bound?, let wanted?) where self.same(bound, wanted): return binding.uri
            default: continue
            }
        }
        guard let prefix else { return nil }
        if self.equals(prefix, "xml") { return Self.xmlNamespace }
        throw Self.bad("undefined namespace prefix")
    }

    /// A name (with at most one colon, not at either end).
    mutating func name() throws(WSMANError) -> Range<Int> {
        let start = self.i
        guard self.i < self.b.count, Self.isNameStart(self.b[self.i]) else { throw Self.bad("bad name") }
        var colons = 0
        while self.i < self.b.count, Self.isNameChar(self.b[self.i]) {
            if self.b[self.i] == 0x3A { colons += 1 }
            self.i += 1
        }
        guard colons <= 1, self.b[start] != 0x3A, self.b[self.i - 1] != 0x3A else { throw Self.bad("bad name") }
        return start..<self.i
    }

    @discardableResult
    mutating func skipSpace() -> Bool {
        let start = self.i
        while self.i < self.b.count && Self.isSpace(self.b[self.i]) { self.i += 1 }
        return self.i > start
    }

    func startsWith(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard self.i + n <= self.b.count else { return false }
        let p = s.utf8Start
        for k in 0..<n where self.b[self.i + k] != p[k] { return false }
        return true
    }

    func find(_ s: StaticString, from start: Int) -> Int? {
        let n = s.utf8CodeUnitCount
        let p = s.utf8Start
        var j = start
        while j + n <= self.b.count {
            if self.b[j] == p[0] {
                var k = 1
                while k < n && self.b[j + k] == p[k] { k += 1 }
                if k == n { return j }
            }
            j += 1
        }
        return nil
    }

    func same(_ x: Range<Int>, _ y: Range<Int>) -> Bool {
        guard x.count == y.count else { return false }
        for k in 0..<x.count where self.b[x.lowerBound + k] != self.b[y.lowerBound + k] { return false }
        return true
    }

    func equals(_ x: Range<Int>, _ s: StaticString) -> Bool {
        x.count == s.utf8CodeUnitCount && self.hasPrefix(x, s)
    }

    func hasPrefix(_ x: Range<Int>, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard x.count >= n else { return false }
        let p = s.utf8Start
        for k in 0..<n where self.b[x.lowerBound + k] != p[k] { return false }
        return true
    }

    static func string(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D }

    static func isNameStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c == 0x3A || c >= 0x80
    }

    static func isNameChar(_ c: UInt8) -> Bool {
        Self.isNameStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E
    }
}
