/// One deadline per connection for its handler, without a `Timer` object or closure: the
/// connection itself sits in its loop's deadline heap. A CIRA tunnel re-arms its idle deadline
/// at every keep-alive, so for 10,000 idle devices this is 10,000 timers and closures fewer.
extension Connection: HeapEntry {
    /// Asks for ``ConnectionHandler/connectionDeadlinePassed(_:)`` once `deadline` has passed
    /// (nil: no deadline). Replaces the previous deadline; a closed connection has none.
    /// Loop thread only.
    public func setDeadline(_ deadline: ContinuousClock.Instant?) {
        precondition(self.loop.inEventLoop, "Connection.setDeadline called off its event loop")
        if self.heapIndex >= 0 { self.loop.deadlines.remove(self) }
        self.deadline = self.state == .closed ? nil : deadline
        if self.deadline != nil { self.loop.deadlines.insert(self) }
    }

    /// Out of the heap because its deadline passed (or the loop stopped).
    func clearHandlerDeadline() { self.deadline = nil }

    func firesBefore(_ other: Connection) -> Bool {
        guard let mine = self.deadline, let theirs = other.deadline else { return self.deadline != nil }
        if mine != theirs { return mine < theirs }
        return self.id < other.id
    }
}
