internal import CLinux
internal import Dispatch
internal import Glibc
internal import Synchronization

extension EventLoop {
    /// The loop thread: wait for events, then run due timers, queued tasks and TLS re-reads.
    func threadMain(started: DispatchSemaphore) {
        pthread_detach(pthread_self())
        self.threadID.store(pthread_self(), ordering: .relaxed)
        started.signal()
        let capacity = Self.maxEvents
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(capacity))
        defer { events.deallocate() }

        while let timeout = self.nextTimeout() {
            let count = epoll_wait(self.epollFD, events, capacity, timeout)
            if count < 0 {
                let code = mps_errno()
                precondition(code == EINTR, "epoll_wait failed: errno \(code)")
                continue
            }
            for index in 0..<Int(count) {
                self.dispatch(events + index)
            }
            if !self.retired.isEmpty { self.retired.removeAll(keepingCapacity: true) }
            self.runTimers()
            self.runTasks()
            self.runReadAgain()
        }
        self.closeEverything()
        self.threadID.store(0, ordering: .relaxed)
        self.finished.leave()
    }

    /// Milliseconds to wait in epoll_wait (-1 = no limit), or nil when shutdown was requested.
    private func nextTimeout() -> Int32? {
        let state = self.tasks.withLock { queue -> (stop: Bool, busy: Bool) in
            if queue.stopRequested { return (true, true) }
            if !queue.tasks.isEmpty { return (false, true) }
            // About to sleep: the next remote execute must write the eventfd.
            queue.wakePending = false
            return (false, false)
        }
        if state.stop { return nil }
        if state.busy || !self.readAgain.isEmpty { return 0 }
        let timer = self.timers.first?.deadline
        let handler = self.deadlines.first?.deadline
        guard let next = timer.map({ t in handler.map { min(t, $0) } ?? t }) ?? handler else {
            return -1
        }
        let remaining = next - self.now
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        // Round up so a timer never wakes the loop just before its deadline.
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: millis)
    }

    private func dispatch(_ event: UnsafePointer<epoll_event>) {
        let data = mps_epoll_event_data(event)
        let bits = mps_epoll_event_events(event)
        if data == Self.wakeData {
            var counter: UInt64 = 0
            _ = Glibc.read(self.wakeFD, &counter, 8)
            return
        }
        // The address of a registered object, or of one deregistered earlier in this batch
        // and still held in `retired` (it is closed and ignores the event).
        let address = UnsafeMutableRawPointer(bitPattern: UInt(data & ~1))!
        if data & 1 == 1 {
            Unmanaged<Listener>.fromOpaque(address).takeUnretainedValue().handleEvents(bits)
        } else {
            Unmanaged<Connection>.fromOpaque(address).takeUnretainedValue().handleEvents(bits)
        }
    }

    private func runTimers() {
        self.runDeadlines()
        guard !self.timers.isEmpty else { return }
        let now = self.now
        // Timers scheduled by these bodies wait for the next turn, even with a zero delay.
        let newest = self.timerSequence
        while let top = self.timers.first, top.deadline <= now, top.sequence <= newest {
            _ = self.timers.popFirst()
            let body = top.body
            top.body = nil
            body?()
        }
    }

    /// Tells the handlers whose deadline passed. A deadline set by one of these calls waits for
    /// the next turn, even if it is already due.
    private func runDeadlines() {
        guard let first = self.deadlines.first?.deadline, first <= self.now else { return }
        let now = self.now
        var due: [Connection] = []
        while let top = self.deadlines.first, let deadline = top.deadline, deadline <= now {
            _ = self.deadlines.popFirst()
            top.clearHandlerDeadline()
            due.append(top)
        }
        for connection in due { connection.callHandler { $0.connectionDeadlinePassed(connection) } }
    }

    private func runTasks() {
        let batch = self.tasks.withLock { queue -> [@Sendable () -> Void] in
            let batch = queue.tasks
            queue.tasks = []
            return batch
        }
        for task in batch { task() }
    }

    private func runReadAgain() {
        guard !self.readAgain.isEmpty else { return }
        let batch = self.readAgain
        self.readAgain = []
        for connection in batch { connection.readAgainNow() }
    }

    /// Shutdown: close all descriptors (their handlers hear connectionClosed), run the tasks
    /// queued so far (a task may register something new: close that too), then refuse tasks.
    private func closeEverything() {
        var rounds = 0
        while true {
            rounds += 1
            self.closeRegistered()
            self.readAgain = []
            let force = rounds >= 100
            let batch = self.tasks.withLock { queue -> [@Sendable () -> Void] in
                let batch = queue.tasks
                queue.tasks = []
                if batch.isEmpty || force { queue.closed = true }
                return batch
            }
            for task in batch { task() }
            if batch.isEmpty || force { break }
        }
        self.closeRegistered()
        self.retired = []
        for timer in self.timers.removeAll() { timer.body = nil }
        for connection in self.deadlines.removeAll() { connection.clearHandlerDeadline() }
        closeDescriptor(self.wakeFD)
        closeDescriptor(self.epollFD)
    }

    private func closeRegistered() {
        for listener in self.listeners { listener.closeForShutdown() }
        self.listeners = []
        while let connection = self.connections {
            connection.closeForShutdown()
            // finalize() unlinks it; make sure, so this loop always ends.
            if self.connections === connection { self.deregister(connection) }
        }
    }
}
