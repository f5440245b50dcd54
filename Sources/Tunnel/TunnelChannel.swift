public import Foundation
internal import APF
internal import NetCore
internal import Synchronization

/// Why a channel could not be used.
public enum TunnelError: Error, Equatable, Sendable, CustomStringConvertible {
    case notConnected
    case portNotForwarded(UInt32)
    case tooManyChannels
    case openFailed(reason: UInt32)
    case openTimedOut
    case closed

    public var description: String {
        switch self {
        case .notConnected: "device has no CIRA tunnel"
        case .portNotForwarded(let p): "device did not forward port \(p)"
        case .tooManyChannels: "too many open channels to the device"
        case .openFailed(let r): "device refused the channel (reason \(r))"
        case .openTimedOut: "device did not answer the channel open in time"
        case .closed: "channel closed"
        }
    }
}

/// One APF channel to a device port, seen from async code. Bytes from the device queue here
/// until `read()` takes them; writes hop to the tunnel's event loop. Thread-safe.
public final class TunnelChannel: Sendable {
    public let guid: String
    public let port: UInt32
    let loop: EventLoop
    let owner: ConnectionRef
    let id: UInt32
    /// Window goes back to the device only as `read()` takes bytes.
    let consumerDriven: Bool

    private struct State {
        var chunks: [[UInt8]] = []
        var head = 0
        var reader: CheckedContinuation<[UInt8]?, Never>?
        var closed = false
        var writeWaiters: [CheckedContinuation<Void, Never>] = []
        /// Bytes handed to the loop but not yet given to the session.
        var inFlight = 0
        /// Bytes the session holds for lack of window.
        var queued = 0
        var outstanding: Int { self.inFlight + self.queued }
    }

    private let state = Mutex(State())

    /// Writes beyond this many bytes queued towards the device make `writeAndWait` suspend.
    public static let writeHighWater = 256 * 1024

    init(
        guid: String, port: UInt32, id: UInt32, loop: EventLoop, owner: ConnectionRef,
        consumerDriven: Bool = false
    ) {
        self.consumerDriven = consumerDriven
        self.guid = guid
        self.port = port
        self.id = id
        self.loop = loop
        self.owner = owner
    }

    /// The next bytes from the device, or nil once the channel has closed and all was read.
    /// Cancelling the calling task closes the channel and returns nil. On a consumer-driven
    /// channel, taking bytes is what returns window to the device.
    public func read() async -> [UInt8]? {
        await withTaskCancellationHandler {
            let chunk = await self.waitForChunk()
            if self.consumerDriven, let count = chunk?.count, count > 0 {
                let id = self.id, owner = self.owner
                self.loop.execute { owner.connection?.consumed(count, on: id) }
            }
            return chunk
        } onCancel: {
            self.markClosed()
            self.close()
        }
    }

    private func waitForChunk() async -> [UInt8]? {
        await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
            let ready: [UInt8]?? = self.state.withLock { s in
                if s.head < s.chunks.count {
                    let chunk = s.chunks[s.head]
                    s.head += 1
                    if s.head == s.chunks.count { s.chunks.removeAll(); s.head = 0 }
                    return .some(chunk)
                }
                if s.closed { return .some(nil) }
                precondition(s.reader == nil, "one reader at a time per channel")
                s.reader = c
                return .none
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Sends bytes to the device (queued by the tunnel until the device grants window).
    public func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        self.state.withLock { $0.inFlight += bytes.count }
        let id = self.id, owner = self.owner
        self.loop.execute { owner.connection?.send(bytes, on: id) }
    }

    /// Like `write`, but suspends while too much is still queued towards the device, so that a
    /// fast producer (a browser pushing IDE-R data) cannot grow memory without bound.
    public func writeAndWait(_ bytes: [UInt8]) async {
        self.write(bytes)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let wait = self.state.withLock { s -> Bool in
                guard !s.closed, s.outstanding > TunnelChannel.writeHighWater else { return false }
                s.writeWaiters.append(c)
                return true
            }
            if !wait { c.resume() }
        }
    }

    /// Closes the channel (one CHANNEL_CLOSE is sent, whatever happens next).
    public func close() {
        let id = self.id, owner = self.owner
        self.loop.execute { owner.connection?.closeChannel(id) }
    }

    public var isClosed: Bool { self.state.withLock { $0.closed } }

    /// Whether bytes from the device wait for `read()`.
    public var hasUnreadBytes: Bool { self.state.withLock { $0.head < $0.chunks.count } }

    // MARK: called on the tunnel's loop

    func deliver(_ bytes: [UInt8]) {
        let reader = self.state.withLock { s -> CheckedContinuation<[UInt8]?, Never>? in
            guard !s.closed else { return nil }
            if let r = s.reader {
                s.reader = nil
                return r
            }
            s.chunks.append(bytes)
            return nil
        }
        reader?.resume(returning: bytes)
    }

    /// The loop has taken `count` written bytes.
    func handed(_ count: Int) {
        self.update { $0.inFlight = max(0, $0.inFlight - count) }
    }

    /// The session now holds `count` bytes waiting for window.
    func setQueued(_ count: Int) {
        self.update { $0.queued = count }
    }

    private func update(_ change: (inout State) -> Void) {
        let waiters = self.state.withLock { s -> [CheckedContinuation<Void, Never>] in
            change(&s)
            guard s.outstanding <= TunnelChannel.writeHighWater else { return [] }
            defer { s.writeWaiters.removeAll() }
            return s.writeWaiters
        }
        for w in waiters { w.resume() }
    }

    /// Bytes the device has not yet been sent; the relay uses it for backpressure.
    var queuedTowardsDevice: Int { self.state.withLock { $0.outstanding } }

    func markClosed() {
        let (reader, waiters) = self.state.withLock { s in
            s.closed = true
            let r = s.head < s.chunks.count ? nil : s.reader
            if r != nil { s.reader = nil }
            defer { s.writeWaiters.removeAll() }
            return (r, s.writeWaiters)
        }
        reader?.resume(returning: nil)
        for w in waiters { w.resume() }
    }
}

/// The link from async code to a loop-confined connection: one per connection, set while it
/// is active and cleared when it closes (a plain reference, not a weak one: a weak reference
/// gives its object a side table for life, one more allocation per idle tunnel).
/// Safety: `connection` is read and written only on `loop`'s thread (every access is inside
/// `loop.execute` or a callback of that loop).
final class ConnectionRef: @unchecked Sendable {
    var connection: CIRAConnection?
    init() {}
}

extension TunnelError {
    init(_ error: CIRAChannelError) {
        switch error {
        case .notConnected: self = .notConnected
        case .portNotForwarded(let port): self = .portNotForwarded(port)
        case .tooManyChannels: self = .tooManyChannels
        case .channelClosed, .queueFull: self = .closed
        }
    }
}
