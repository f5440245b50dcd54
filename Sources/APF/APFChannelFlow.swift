// APF: per-channel window accounting and send queue, shared by both sessions (spec §6.2).

/// The credit bookkeeping of one channel, in both directions, with no I/O.
///
/// Receiving: the peer may send at most the credit we granted (initial window plus our
/// WINDOW_ADJUSTs); we return credit once more than half the window is pending — pending on
/// delivery by default, or, in consumer-driven mode, only once the consumer reports it has
/// taken the bytes (``consumed(_:)``), so a slow reader holds the peer back. Sending:
/// messages queue in order and leave as CHANNEL_DATA within the peer's credit. A message that
/// fits in the peer's initial window is never split (spec §6.2 [REC], MPS #662): it waits for
/// enough credit. Larger messages are split to the credit available.
struct APFChannelFlow: Sendable {
    /// Bytes per CHANNEL_DATA at most: the decoders' payload limit.
    static let maxChunk = APFConstants.maxChannelData

    let receiveWindow: Int
    /// Credit returns only through ``consumed(_:)``.
    let consumerDriven: Bool
    private(set) var receiveCredit: Int
    private var pendingAdjust = 0
    /// Consumer-driven mode: bytes received and not yet reported consumed.
    private(set) var unconsumed = 0

    private var sendCredit = 0
    private var peerInitialWindow = 0
    private var queue: [[UInt8]] = []
    private var queueHead = 0
    private var headOffset = 0
    private(set) var queuedBytes = 0

    init(receiveWindow: UInt32, consumerDriven: Bool = false) {
        self.receiveWindow = Int(receiveWindow)
        self.receiveCredit = Int(receiveWindow)
        self.consumerDriven = consumerDriven
    }

    /// What to do with a CHANNEL_DATA payload of some length.
    enum ReceiveResult: Equatable {
        /// Deliver it; send a WINDOW_ADJUST of this many bytes if non-nil.
        case accepted(adjust: UInt32?)
        /// The peer sent more than its credit: a protocol error.
        case overrun
    }

    mutating func received(_ count: Int) -> ReceiveResult {
        guard count <= self.receiveCredit else { return .overrun }
        self.receiveCredit -= count
        if self.consumerDriven {
            self.unconsumed += count
            return .accepted(adjust: nil)
        }
        self.pendingAdjust += count
        return .accepted(adjust: self.takeAdjust())
    }

    /// Consumer-driven mode: the consumer has taken `count` delivered bytes. Returns the
    /// WINDOW_ADJUST to send, if enough credit is pending. Counts beyond what was delivered
    /// are ignored (credit never exceeds the window); does nothing in delivery mode.
    mutating func consumed(_ count: Int) -> UInt32? {
        guard self.consumerDriven, count > 0 else { return nil }
        let taken = min(count, self.unconsumed)
        self.unconsumed -= taken
        self.pendingAdjust += taken
        return self.takeAdjust()
    }

    private mutating func takeAdjust() -> UInt32? {
        guard self.pendingAdjust > self.receiveWindow / 2 else { return nil }
        let adjust = self.pendingAdjust
        self.pendingAdjust = 0
        self.receiveCredit += adjust
        return UInt32(adjust)
    }

    /// The peer confirmed the channel with its initial window.
    mutating func peerOpened(window: UInt32) {
        self.peerInitialWindow = Int(window)
        self.sendCredit = Int(window)
    }

    /// A WINDOW_ADJUST from the peer. SSH caps a window at 2^32 - 1, so we clamp there.
    mutating func addCredit(_ bytes: UInt32) {
        self.sendCredit = min(self.sendCredit + Int(bytes), Int(UInt32.max))
    }

    mutating func enqueue(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        self.queue.append(bytes)
        self.queuedBytes += bytes.count
    }

    /// Forgets all queued data (the channel is closing).
    mutating func discardQueue() {
        self.queue.removeAll()
        self.queueHead = 0
        self.headOffset = 0
        self.queuedBytes = 0
    }

    /// The CHANNEL_DATA payloads that may be sent now, in order, consuming credit.
    mutating func drain() -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        drainLoop: while self.queueHead < self.queue.count && self.sendCredit > 0 {
            let limit = min(self.sendCredit, Self.maxChunk)
            var chunk: [UInt8] = []
            while self.queueHead < self.queue.count && chunk.count < limit {
                let message = self.queue[self.queueHead]
                let remaining = message.count - self.headOffset
                let room = limit - chunk.count
                if remaining <= room {
                    if chunk.isEmpty && self.headOffset == 0 {
                        chunk = message  // a whole message leaves as it is, not copied
                    } else {
                        chunk.append(contentsOf: message[self.headOffset...])
                    }
                    self.popHead()
                } else if self.headOffset == 0
                    && message.count <= min(self.peerInitialWindow, Self.maxChunk)
                {
                    // Fits whole once credit returns: end this chunk, or wait if it is empty.
                    if chunk.isEmpty { break drainLoop }
                    break
                } else {
                    chunk.append(contentsOf: message[self.headOffset..<self.headOffset + room])
                    self.headOffset += room
                }
            }
            if chunk.isEmpty { break }
            self.sendCredit -= chunk.count
            self.queuedBytes -= chunk.count
            chunks.append(chunk)
        }
        return chunks
    }

    private mutating func popHead() {
        self.queueHead += 1
        self.headOffset = 0
        if self.queueHead == self.queue.count {
            self.queue.removeAll(keepingCapacity: true)
            self.queueHead = 0
        } else if self.queueHead >= 32 && self.queueHead * 2 >= self.queue.count {
            self.queue.removeFirst(self.queueHead)
            self.queueHead = 0
        }
    }
}
