// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
    import Glibc
#endif

/// Puts the terminal back when a signal ends the process during a hidden password prompt:
/// without this, Ctrl-C at `mps user add` left the shell with echo off. While a prompt runs,
/// SIGINT, SIGTERM, SIGQUIT and SIGHUP go to a handler that restores the saved settings, puts
/// the previous disposition back and raises the signal again, so it then acts as it would
/// have (the default ends the process). Only async-signal-safe calls run in the handler.
enum PromptSignals {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGQUIT, SIGHUP]

    /// The terminal of the running prompt and its settings before echo went off, and the
    /// dispositions to hand each signal on to: fixed storage, so that the handler only reads
    /// memory that is never reallocated while it may run.
    nonisolated(unsafe) private static var terminal: (fd: Int32, settings: termios)?
    nonisolated(unsafe) private static var previous = [sighandler_t?](repeating: nil, count: Self.signals.count)

    static func arm(_ fd: Int32, _ settings: termios) {
        Self.terminal = (fd, settings)
        for (index, sig) in Self.signals.enumerated() {
            let old = signal(sig, Self.handler)
            Self.previous[index] = old
            if Self.isIgnored(old) { _ = signal(sig, SIG_IGN) }  // an ignored signal stays so
        }
    }

    static func disarm() {
        for (index, sig) in Self.signals.enumerated() {
            _ = signal(sig, Self.previous[index] ?? SIG_DFL)
        }
        Self.terminal = nil
    }

    private static func isIgnored(_ handler: sighandler_t?) -> Bool {
        guard let handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    private static let handler: @convention(c) (Int32) -> Void = { sig in
        if var terminal = PromptSignals.terminal {
            _ = tcsetattr(terminal.fd, TCSANOW, &terminal.settings)
            var newline = UInt8(ascii: "\n")
            _ = write(terminal.fd, &newline, 1)
        }
        let index = PromptSignals.signals.firstIndex(of: sig)
        _ = signal(sig, index.flatMap { PromptSignals.previous[$0] } ?? SIG_DFL)
        _ = raise(sig)
    }
}
