internal import Dispatch
internal import Foundation

/// Waits for SIGINT or SIGTERM.
enum Signals {
    static func waitForTermination() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            var sources: [any DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    if once.fire() { c.resume() }
                }
                source.resume()
                sources.append(source)
            }
            Retainer.keep(sources)
        }
    }
}

final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    func fire() -> Bool {
        self.lock.lock()
        defer { self.lock.unlock() }
        if self.fired { return false }
        self.fired = true
        return true
    }
}

/// Keeps the signal sources alive for the life of the process.
enum Retainer {
    nonisolated(unsafe) static var kept: [any DispatchSourceSignal] = []
    static func keep(_ sources: [any DispatchSourceSignal]) { self.kept += sources }
}
