internal import Synchronization

/// A fixed set of event loops, usually one per core, handed out round-robin.
///
/// `@unchecked Sendable`: `loops` is immutable after init and each `EventLoop` is Sendable;
/// the round-robin cursor is an `Atomic`.
public final class EventLoopGroup: @unchecked Sendable {
    public let loops: [EventLoop]
    private let cursor = Atomic<Int>(0)

    /// Starts `threads` loops (at least one), named "netcore-0", "netcore-1", ...
    public init(threads: Int) throws {
        var loops: [EventLoop] = []
        do {
            for index in 0..<max(1, threads) {
                loops.append(try EventLoop(name: "netcore-\(index)"))
            }
        } catch {
            loops.forEach { $0.shutdown() }
            throw error
        }
        self.loops = loops
    }

    /// The next loop, round-robin. Any thread.
    public func next() -> EventLoop {
        let index = self.cursor.add(1, ordering: .relaxed).oldValue
        return self.loops[index % self.loops.count]
    }

    /// Shuts every loop down (see `EventLoop.shutdown()`).
    public func shutdown() {
        for loop in self.loops { loop.shutdown() }
    }
}
