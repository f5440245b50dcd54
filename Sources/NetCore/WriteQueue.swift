/// The bytes a connection accepted but could not send yet: whole chunks as given to
/// `Connection.write` (never copied or merged, so a TLS write can be retried with exactly the
/// same bytes) and a cursor into the first one. Exists only while bytes are pending.
final class WriteQueue {
    private(set) var chunks: [[UInt8]]
    private(set) var headIndex = 0
    private(set) var headOffset: Int
    /// Bytes still to send.
    private(set) var count: Int

    init(_ first: [UInt8], from offset: Int) {
        precondition(offset < first.count, "queued an empty chunk")
        self.chunks = [first]
        self.headOffset = offset
        self.count = first.count - offset
    }

    func append(_ bytes: [UInt8]) {
        self.chunks.append(bytes)
        self.count += bytes.count
    }

    /// Marks `sent` bytes from the head as sent; true when the queue is now empty.
    func consume(_ sent: Int) -> Bool {
        precondition(sent > 0 && sent <= self.count)
        self.count -= sent
        self.headOffset += sent
        if self.headOffset == self.chunks[self.headIndex].count {
            self.chunks[self.headIndex] = []
            self.headIndex += 1
            self.headOffset = 0
            if self.headIndex >= 64 && self.headIndex * 2 >= self.chunks.count {
                self.chunks.removeFirst(self.headIndex)
                self.headIndex = 0
            }
        }
        return self.count == 0
    }
}
