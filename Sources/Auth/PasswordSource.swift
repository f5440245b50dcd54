import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where `mps user add` and `mps user passwd` get the password from. Never a command-line
/// argument: those show up in `ps` and shell history.
///
/// On a terminal it prompts twice on that terminal with echo off; otherwise (a pipe or file)
/// it reads the first line. Its description never shows a given value.
public struct PasswordSource: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    enum Kind: Sendable {
        case descriptor(Int32)
        case value(String)
    }

    let kind: Kind

    /// Standard input: a prompt on a terminal, else the first line.
    public static let standardInput = PasswordSource(kind: .descriptor(STDIN_FILENO))

    /// A file descriptor read the same way as standard input (the caller keeps it open).
    public static func fileDescriptor(_ descriptor: Int32) -> PasswordSource {
        PasswordSource(kind: .descriptor(descriptor))
    }

    /// A password the caller already holds.
    public static func value(_ password: String) -> PasswordSource {
        PasswordSource(kind: .value(password))
    }

    public var description: String {
        switch self.kind {
        case .descriptor(let fd): "PasswordSource(fd \(fd))"
        case .value: "PasswordSource(<redacted>)"
        }
    }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Longer input is refused rather than truncated.
    static let maximumBytes = 4096

    /// Reads the password; on a terminal asks twice and requires both to match.
    /// - Throws: `AuthError.passwordInput` for no input, input that is too long or not UTF-8,
    ///   or two different entries.
    func read(prompt: String) throws(AuthError) -> String {
        switch self.kind {
        case .value(let password): return password
        case .descriptor(let fd):
            guard isatty(fd) == 1 else { return try Self.readLine(fd) }
            let first = try Self.readHidden(fd, prompt: prompt)
            let second = try Self.readHidden(fd, prompt: "Repeat the password: ")
            guard first == second else { throw AuthError.passwordInput("the two entries differ") }
            return first
        }
    }

    /// One line without echo. The prompt goes to the terminal itself (standard error may be
    /// redirected to a log), and only after echo is off, so nothing typed in reply is shown.
    /// The terminal settings are restored before returning, and by `PromptSignals` when a
    /// signal (Ctrl-C, a kill) ends the process during the prompt.
    private static func readHidden(_ fd: Int32, prompt: String) throws(AuthError) -> String {
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else {
            throw AuthError.passwordInput("cannot read terminal settings")
        }
        // Armed before echo goes off, so that no signal can find it off and unguarded.
        PromptSignals.arm(fd, saved)
        var hidden = saved
        hidden.c_lflag &= ~tcflag_t(ECHO)
        guard tcsetattr(fd, TCSAFLUSH, &hidden) == 0 else {
            PromptSignals.disarm()
            throw AuthError.passwordInput("cannot turn off terminal echo")
        }
        defer {
            PromptSignals.disarm()
            _ = tcsetattr(fd, TCSANOW, &saved)
            Self.show("\n", on: fd)
        }
        Self.show(prompt, on: fd)
        return try Self.readLine(fd)
    }

    /// Writes to the terminal, or to standard error when the descriptor is read-only.
    private static func show(_ text: String, on fd: Int32) {
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written != bytes.count { FileHandle.standardError.write(Data(bytes)) }
    }

    /// Bytes up to the first newline (a trailing CR is dropped too) or end of input.
    static func readLine(_ fd: Int32) throws(AuthError) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw AuthError.passwordInput("read failed") }
            if count == 0 || byte == UInt8(ascii: "\n") { break }
            guard bytes.count < Self.maximumBytes else {
                throw AuthError.passwordInput("input is too long")
            }
            bytes.append(byte)
        }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw AuthError.passwordInput("no password given") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw AuthError.passwordInput("the password is not valid UTF-8")
        }
        return text
    }
}
