// SPDX-License-Identifier: Apache-2.0

import Logging
import RPC
import Synchronization
import TestSupport

/// Collects log lines so tests can check what reached the log.
final class CapturingSink: LogSink {
    let lines = Mutex<[String]>([])
    func write(_ line: String) { self.lines.withLock { $0.append(line) } }
    var all: [String] { self.lines.withLock { $0 } }
}

/// A counter shared between concurrent handlers, remembering its peak.
final class Gauge: Sendable {
    private let state = Mutex<(current: Int, peak: Int, total: Int)>((0, 0, 0))
    func enter() {
        self.state.withLock {
            $0.current += 1
            $0.total += 1
            $0.peak = max($0.peak, $0.current)
        }
    }
    func leave() { self.state.withLock { $0.current -= 1 } }

    /// Yields until `n` callers are inside at once, or gives up after a bounded number of
    /// yields (no wall-clock time, no way to hang).
    func waitForPeers(_ n: Int) async {
        for _ in 0..<10_000 {
            if self.state.withLock({ $0.current >= n }) { return }
            await Task.yield()
        }
    }
    var peak: Int { self.state.withLock { $0.peak } }
    var total: Int { self.state.withLock { $0.total } }
}

func context(_ sink: CapturingSink = CapturingSink(), connection: RPCConnectionID? = nil) -> RPCContext {
    RPCContext(logger: Logger(label: "rpc-test", level: .info, sink: sink), connectionID: connection)
}

extension RPCDispatcher {
    /// The response text for `body`, or nil when none is sent.
    func call(_ body: String, _ context: RPCContext = context()) async -> String? {
        await self.handle(body: Array(body.utf8), context: context).map {
            String(decoding: $0, as: UTF8.self)
        }
    }
}

/// The error response text the dispatcher sends for `code`/`message`.
func errorJSON(_ code: Int, _ message: String, data: String? = nil, id: String = "null") -> String {
    let dataPart = data.map { #","data":\#($0)"# } ?? ""
    return #"{"jsonrpc":"2.0","error":{"code":\#(code),"message":"\#(message)"\#(dataPart)},"id":\#(id)}"#
}

/// Whole, one byte at a time, and at random cuts.
enum Split: CaseIterable {
    case whole, byteByByte, random1, random2

    func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole: return [bytes[...]]
        case .byteByByte: return bytes.indices.map { bytes[$0...$0] }
        case .random1, .random2:
            return randomPieces(bytes, seed: UInt64(bytes.count) &+ (self == .random1 ? 1 : 2), maxPiece: 40)
        }
    }
}
