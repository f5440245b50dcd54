internal import Foundation
public import HTTP
internal import NetCore
internal import Synchronization

/// One server-side WebSocket, seen from async code: receive text and binary messages, send
/// with backpressure, close. Control frames (ping, pong, close) are handled by the connection.
/// Thread-safe.
public final class WebSocketChannel: Sendable {
    public let remoteAddress: String
    let loop: EventLoop
    let owner: WebSocketRef

    private struct State {
        var inbox: [WebSocketMessage] = []
        var head = 0
        var inboxBytes = 0
        var reader: CheckedContinuation<WebSocketMessage?, Never>?
        var closed = false
        var closeCode: UInt16?
        var readingPaused = false
    }

    private let state = Mutex(State())

    /// Unread inbound bytes above which the socket stops being read (resumed as they drain).
    static let inboxHighWater = 1 << 20

    init(remoteAddress: String, loop: EventLoop, owner: WebSocketRef) {
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.owner = owner
    }

    /// The next text or binary message; nil once the socket has closed. Cancelling the
    /// calling task closes the socket.
    public func receive() async -> WebSocketMessage? {
        await withTaskCancellationHandler {
            await self.nextMessage()
        } onCancel: {
            self.close(code: 1001, reason: "going away")
        }
    }

    private func nextMessage() async -> WebSocketMessage? {
        let message = await withCheckedContinuation { (c: CheckedContinuation<WebSocketMessage?, Never>) in
            let ready: WebSocketMessage?? = self.state.withLock { s in
                if s.head < s.inbox.count {
                    let m = s.inbox[s.head]
                    s.head += 1
                    s.inboxBytes -= Self.size(m)
                    if s.head == s.inbox.count { s.inbox.removeAll(); s.head = 0 }
                    return .some(m)
                }
                if s.closed { return .some(nil) }
                s.reader = c
                return .none
            }
            if let ready { c.resume(returning: ready) }
        }
        let paused = self.state.withLock { $0.readingPaused && $0.inboxBytes < Self.inboxHighWater / 2 }
        if paused {
            self.state.withLock { $0.readingPaused = false }
            let owner = self.owner
            self.loop.execute { owner.handler?.resumeReading() }
        }
        return message
    }

    /// Sends a text message; suspends while the socket's send buffer is full.
    public func send(text: String) async { await self.send(.text(text)) }

    /// Sends a binary message; suspends while the socket's send buffer is full, so a slow
    /// browser slows the producer instead of growing memory.
    public func send(binary: [UInt8]) async { await self.send(.binary(binary)) }

    private func send(_ message: WebSocketMessage) async {
        let owner = self.owner
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            self.loop.execute {
                guard let handler = owner.handler else { return c.resume() }
                handler.send(message, whenWritable: c)
            }
        }
    }

    /// Sends a close frame and closes the socket.
    public func close(code: UInt16 = 1000, reason: String = "") {
        let owner = self.owner
        self.loop.execute { owner.handler?.close(code: code, reason: reason) }
    }

    public var isClosed: Bool { self.state.withLock { $0.closed } }

    /// The close code the peer sent (or ours), once closed.
    public var closeCode: UInt16? { self.state.withLock { $0.closeCode } }

    // MARK: called on the loop

    /// Queues a message; returns false when the inbox is above its high-water mark.
    func deliver(_ message: WebSocketMessage) -> Bool {
        let (reader, below) = self.state.withLock { s -> (CheckedContinuation<WebSocketMessage?, Never>?, Bool) in
            guard !s.closed else { return (nil, true) }
            if let r = s.reader {
                s.reader = nil
                return (r, true)
            }
            s.inbox.append(message)
            s.inboxBytes += Self.size(message)
            if s.inboxBytes >= Self.inboxHighWater { s.readingPaused = true }
            return (nil, !s.readingPaused)
        }
        reader?.resume(returning: message)
        return below
    }

    func markClosed(code: UInt16) {
        let reader = self.state.withLock { s -> CheckedContinuation<WebSocketMessage?, Never>? in
            if s.closeCode == nil { s.closeCode = code }
            s.closed = true
            defer { s.reader = nil }
            return s.head < s.inbox.count ? nil : s.reader
        }
        reader?.resume(returning: nil)
    }

    private static func size(_ m: WebSocketMessage) -> Int {
        switch m {
        case .text(let t): t.utf8.count
        case .binary(let b): b.count
        default: 0
        }
    }
}

/// A weak link from async code to the loop-confined WebSocket handler.
/// Safety: `handler` is read and written only on the connection's loop.
final class WebSocketRef: @unchecked Sendable {
    weak var handler: WebSocketConnectionHandler?
}
