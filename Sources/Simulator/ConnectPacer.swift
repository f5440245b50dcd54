// SPDX-License-Identifier: Apache-2.0

internal import NetCore
internal import Synchronization

/// Spreads one loop's connection attempts over time (a fleet start or a reconnect storm must
/// not fire thousands of TLS handshakes at once). Loop-confined: runs on `loop`'s thread.
final class ConnectPacer {
    static let tick = Duration.milliseconds(10)

    let loop: EventLoop
    /// Attempts per tick, possibly fractional.
    private let perTick: Double
    private var queue: [DeviceRunner] = []
    private var head = 0
    private var budget: Double = 1
    private var timer: Timer?

    init(loop: EventLoop, perSecond: Double) {
        self.loop = loop
        self.perTick = max(0.01, perSecond / 100)
    }

    func enqueue(_ runner: DeviceRunner) {
        self.queue.append(runner)
        if self.timer == nil { self.run() }
    }

    func clear() {
        self.timer?.cancel()
        self.timer = nil
        self.queue.removeAll()
        self.head = 0
    }

    private func run() {
        self.timer = nil
        while self.budget >= 1 && self.head < self.queue.count {
            let runner = self.queue[self.head]
            self.head += 1
            self.budget -= 1
            runner.pacedConnect()
        }
        if self.head >= self.queue.count {
            self.queue.removeAll(keepingCapacity: self.queue.count < 1024)
            self.head = 0
            self.budget = max(self.budget, 1)
            return
        }
        self.budget = min(self.budget + self.perTick, max(1, self.perTick))
        self.timer = self.loop.schedule(after: Self.tick) { [weak self] in self?.run() }
    }
}

/// Fleet-wide counters, updated from every loop.
final class FleetCounters: Sendable {
    let tunnels = Atomic<Int>(0)

    func tunnelUp() { self.tunnels.add(1, ordering: .relaxed) }
    func tunnelDown() { self.tunnels.subtract(1, ordering: .relaxed) }
}
