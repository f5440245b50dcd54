// Redirection: one running IDE-R session: the disk server driven by channel events.
internal import Logging
internal import Synchronization
internal import Tunnel

/// Drives an ``IDERDiskServer`` over one tunnel channel. Channel bytes and the stop request
/// arrive as events on one stream and are handled in order by one task; the channel, the
/// image and the slot are released exactly once, however the session ends.
final class IDERRun: Sendable {
    enum Event: Sendable {
        case data([UInt8])
        case channelClosed
        case stop
        case stopTimedOut
    }

    let image: DiskImage
    private let channel: TunnelChannel
    private let slot: RelaySession
    private let logger: Logger
    private let events: AsyncStream<Event>
    private let sink: AsyncStream<Event>.Continuation
    private let done = Mutex<[CheckedContinuation<Void, Never>]?>([])
    /// The reader waits here after each chunk until the loop has handled it.
    private let handled = Mutex<CheckedContinuation<Void, Never>?>(nil)

    /// The device has this long to acknowledge our close.
    static let stopGrace: Duration = .seconds(2)

    init(channel: TunnelChannel, image: DiskImage, slot: RelaySession, logger: Logger) {
        self.channel = channel
        self.image = image
        self.slot = slot
        self.logger = logger
        (self.events, self.sink) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    func start(leftover: [UInt8], onEnd: @escaping @Sendable () -> Void) {
        let channel = self.channel, sink = self.sink
        // The reader reads only as fast as the loop below handles events (it waits for each
        // chunk to be handled), so the stream holds at most one chunk and the device's window
        // returns no faster than the server keeps up.
        let reader = Task { [self] in
            while let bytes = await channel.read() {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    self.handled.withLock { $0 = c }
                    sink.yield(.data(bytes))
                }
            }
            sink.yield(.channelClosed)
        }
        Task {
            var server = IDERDiskServer(imageSize: self.image.size)
            var reason = await self.run(&server, self.perform(server.start(leftover: leftover), &server))
            if reason == nil { reason = "channel closed" }
            reader.cancel()
            self.handled.withLock { c in
                c?.resume()
                c = nil
            }
            self.channel.close()
            self.image.close()
            self.slot.count(toDevice: 0)
            self.slot.finish(reason: reason ?? "ended")
            self.logger.info(
                "IDE-R session ended",
                metadata: [
                    "device.guid": self.slot.guid, "relay.id": "\(self.slot.id)",
                    "relay.reason": reason ?? "", "ider.bytes": "\(server.bytesServed)",
                ])
            self.sink.finish()
            onEnd()
            let waiters = self.done.withLock { w -> [CheckedContinuation<Void, Never>] in
                defer { w = nil }
                return w ?? []
            }
            for w in waiters { w.resume() }
        }
    }

    /// Handles events until the session ends; returns why.
    private func run(_ server: inout IDERDiskServer, _ first: String?) async -> String? {
        if let first { return first }
        for await event in self.events {
            let actions: [IDERDiskServer.Action]
            switch event {
            case .data(let bytes):
                actions = server.received(bytes)
                self.handled.withLock { c in
                    c?.resume()
                    c = nil
                }
            case .channelClosed: return "device closed the channel"
            case .stop:
                actions = server.stop()
                let sink = self.sink
                Task {
                    try? await Task.sleep(for: Self.stopGrace)
                    sink.yield(.stopTimedOut)
                }
            case .stopTimedOut: return IDEREnd.stopped.description
            }
            if let end = await self.perform(actions, &server) { return end }
        }
        return nil
    }

    /// Carries out actions; returns the end reason when one finishes the session.
    private func perform(_ actions: [IDERDiskServer.Action], _ server: inout IDERDiskServer) async
        -> String?
    {
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case .send(let bytes):
                await self.channel.writeAndWait(bytes)
            case .readImage(let offset, let count):
                let data: [UInt8]
                do {
                    data = try self.image.read(offset: offset, count: count)
                } catch {
                    return error.description
                }
                self.slot.count(toDevice: count)
                queue = server.imageData(data)[...] + queue
            case .finished(let end):
                return end.description
            }
        }
        return nil
    }

    /// Asks the session to stop and waits until it has.
    func stop() async {
        self.sink.yield(.stop)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ended = self.done.withLock { w -> Bool in
                guard w != nil else { return true }
                w?.append(c)
                return false
            }
            if ended { c.resume() }
        }
    }
}
