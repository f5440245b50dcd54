// In-memory byte pipes, a loopback simulated device, and a fake browser sink for relay tests.
import Foundation
import Redirection
import Simulator
import Synchronization
import TestSupport

/// A one-way byte pipe with an async reader. Cancelling a read closes the pipe, as cancelling
/// a `TunnelChannel` read closes the channel.
final class BytePipe: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var reader: CheckedContinuation<[UInt8]?, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
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

    func read() async -> [UInt8]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
                let ready = self.state.withLock { s -> [UInt8]?? in
                    if !s.chunks.isEmpty { return .some(s.chunks.removeFirst()) }
                    if s.closed { return .some(nil) }
                    s.reader = c
                    return .none
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            self.close()
        }
    }

    func close() {
        let reader = self.state.withLock { s -> CheckedContinuation<[UInt8]?, Never>? in
            s.closed = true
            defer { s.reader = nil }
            return s.reader
        }
        reader?.resume(returning: nil)
    }

    var isClosed: Bool { self.state.withLock { $0.closed } }
}

/// The relay's view of a channel: reads from the device pipe, writes to the other one.
final class MemoryChannel: RelayChannel {
    let toDevice = BytePipe()
    let fromDevice = BytePipe()
    let reads = Atomic<Int>(0)
    let closes = Atomic<Int>(0)

    func read() async -> [UInt8]? {
        self.reads.add(1, ordering: .relaxed)
        return await self.fromDevice.read()
    }

    func writeAndWait(_ bytes: [UInt8]) async { self.toDevice.write(bytes) }

    func close() {
        self.closes.add(1, ordering: .relaxed)
        self.toDevice.close()
        self.fromDevice.close()
    }
}

/// Runs a ``SimulatedRedirectionEndpoint`` on the far side of a ``MemoryChannel`` until the
/// pipe closes or the endpoint hangs up (the device's CHANNEL_CLOSE).
final class LoopbackDevice: Sendable {
    let task: Task<Void, Never>

    init(_ channel: MemoryChannel, configuration: SimulatedRedirectionEndpoint.Configuration) {
        self.task = Task {
            var endpoint = SimulatedRedirectionEndpoint(configuration: configuration)
            while let bytes = await channel.toDevice.read() {
                let out = endpoint.received(bytes, now: Date())
                channel.fromDevice.write(out.bytes)
                if out.close { break }
            }
            channel.fromDevice.close()
        }
    }

    static func configuration(
        _ change: (inout SimulatedRedirectionEndpoint.Configuration) -> Void = { _ in }
    ) -> SimulatedRedirectionEndpoint.Configuration {
        var c = SimulatedRedirectionEndpoint.Configuration(username: "admin", password: "P@ssw0rd")
        change(&c)
        return c
    }
}

/// A channel that answers each write with the next scripted reply (or nothing when the
/// script is out), for exact device bytes and silent devices.
final class ScriptedChannel: RelayChannel {
    let pipe = BytePipe()
    let replies: Mutex<[[UInt8]]>
    let written = Mutex<[[UInt8]]>([])
    let reads = Atomic<Int>(0)

    init(_ replies: [[UInt8]]) { self.replies = Mutex(replies) }

    func read() async -> [UInt8]? {
        self.reads.add(1, ordering: .relaxed)
        return await self.pipe.read()
    }

    func writeAndWait(_ bytes: [UInt8]) async {
        self.written.withLock { $0.append(bytes) }
        let next = self.replies.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        if let next { self.pipe.write(next) }
    }

    func close() { self.pipe.close() }
}

/// Records what the relay sends the browser; `send` can be held shut to model a backed-up
/// browser socket.
final class FakeSink: RelayBrowserSink {
    private struct State {
        var bytes: [UInt8] = []
        var messages = 0
        var closes: [(UInt16, String)] = []
        var gateOpen = true
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func send(_ bytes: [UInt8]) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let open = self.state.withLock { s -> Bool in
                if s.gateOpen { return true }
                s.waiting.append(c)
                return false
            }
            if open { c.resume() }
        }
        self.state.withLock {
            $0.bytes += bytes
            $0.messages += 1
        }
    }

    func close(code: UInt16, reason: String) {
        self.state.withLock { $0.closes.append((code, reason)) }
    }

    func setGate(open: Bool) {
        let waiting = self.state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.gateOpen = open
            defer { s.waiting = [] }
            return open ? s.waiting : []
        }
        for w in waiting { w.resume() }
    }

    var bytes: [UInt8] { self.state.withLock { $0.bytes } }
    var messages: Int { self.state.withLock { $0.messages } }
    var closeCodes: [UInt16] { self.state.withLock { $0.closes.map(\.0) } }
    var closeReasons: [String] { self.state.withLock { $0.closes.map(\.1) } }
}

/// Polls `condition` every 5 ms for at most `seconds` of polling; true if it became true. The
/// task pool of a loaded 2-core machine can stall for seconds: that time does not count (see
/// `pollUntil(for:every:_:)`).
func eventually(within seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
    await pollUntil(for: .seconds(seconds), every: .milliseconds(5)) { condition() }
}
