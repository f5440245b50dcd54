/// A one-shot timer made by `EventLoop.schedule(after:_:)`. Loop-confined: create, cancel and
/// drop it on its loop's thread only. Cancelling a timer that already fired does nothing.
public final class Timer: HeapEntry {
    let loop: EventLoop
    let deadline: ContinuousClock.Instant
    /// Tie-breaker: timers with the same deadline fire in the order they were scheduled.
    let sequence: UInt64
    /// Position in the loop's heap; -1 when not scheduled (fired, cancelled or loop stopped).
    var heapIndex = -1
    var body: (() -> Void)?

    init(
        loop: EventLoop,
        deadline: ContinuousClock.Instant,
        sequence: UInt64,
        body: @escaping () -> Void
    ) {
        self.loop = loop
        self.deadline = deadline
        self.sequence = sequence
        self.body = body
    }

    /// Stops the timer from firing and releases its closure. Loop thread only.
    public func cancel() {
        precondition(self.loop.inEventLoop, "Timer.cancel() called off its event loop")
        if self.heapIndex >= 0 { self.loop.timers.remove(self) }
        self.body = nil
    }

    /// True while the timer is waiting to fire.
    public var isScheduled: Bool { self.heapIndex >= 0 }

    func firesBefore(_ other: Timer) -> Bool {
        if self.deadline != other.deadline { return self.deadline < other.deadline }
        return self.sequence < other.sequence
    }
}

/// What a ``DeadlineHeap`` holds: an object that knows its place in the heap and its order.
protocol HeapEntry: AnyObject {
    /// Position in the heap; -1 when not in it.
    var heapIndex: Int { get set }
    func firesBefore(_ other: Self) -> Bool
}

/// A binary min-heap of timers (or connections with a deadline), earliest first. Each entry
/// knows its index, so removal is O(log n) and cancelled entries never linger. Loop-confined.
struct DeadlineHeap<Entry: HeapEntry> {
    private(set) var items: [Entry] = []

    var isEmpty: Bool { self.items.isEmpty }
    var count: Int { self.items.count }
    var first: Entry? { self.items.first }

    mutating func insert(_ timer: Entry) {
        precondition(timer.heapIndex < 0, "timer scheduled twice")
        timer.heapIndex = self.items.count
        self.items.append(timer)
        self.siftUp(self.items.count - 1)
    }

    mutating func popFirst() -> Entry? {
        guard let top = self.items.first else { return nil }
        self.remove(top)
        return top
    }

    mutating func remove(_ timer: Entry) {
        let index = timer.heapIndex
        precondition(index >= 0 && index < self.items.count && self.items[index] === timer)
        let last = self.items.count - 1
        if index != last {
            self.items.swapAt(index, last)
            self.items[index].heapIndex = index
        }
        self.items.removeLast()
        timer.heapIndex = -1
        if index < self.items.count {
            self.siftDown(index)
            self.siftUp(index)
        }
    }

    /// Empties the heap without firing anything; returns what it held.
    @discardableResult
    mutating func removeAll() -> [Entry] {
        let all = self.items
        for entry in all { entry.heapIndex = -1 }
        self.items = []
        return all
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.items[child].firesBefore(self.items[parent]) else { return }
            self.swap(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let count = self.items.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var smallest = left
            let right = left + 1
            if right < count && self.items[right].firesBefore(self.items[left]) { smallest = right }
            guard self.items[smallest].firesBefore(self.items[parent]) else { return }
            self.swap(smallest, parent)
            parent = smallest
        }
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        self.items.swapAt(a, b)
        self.items[a].heapIndex = a
        self.items[b].heapIndex = b
    }
}
