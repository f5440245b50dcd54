// Simulator redirection: the text console behind the simulated serial port.
public import Foundation

/// A small BIOS/OS-like console: draws a framed screen with VT100 escape sequences, shows a
/// prompt, echoes typed characters (with backspace), ignores cursor-key escape sequences and
/// answers `help`, `ver`, `date`, `clear`, `echo`, `screen` and `exit`.
/// It does not emulate a real BIOS setup or shell.
public struct SimulatedSOLConsole: Sendable {
    public static let prompt = "amt-sim> "
    public static let version = "AMT simulator console 1.0 (Intel(R) AMT 15.0.0 build 343)"
    /// Longest input line kept; further characters are ignored (and not echoed).
    static let maximumLine = 256

    enum Escape: Sendable { case none, escape, sequence }

    private var line: [UInt8] = []
    private var escape = Escape.none
    /// The commands run so far, for tests.
    public private(set) var history: [String] = []
    /// Set by `exit`: the device ends the SOL session.
    public private(set) var wantsHangUp = false

    public init() {}

    /// The initial screen: cleared, a title bar, a box of system facts, the prompt.
    public func welcome(now: Date) -> [UInt8] {
        let esc = "\u{1B}["
        var s = "\(esc)2J\(esc)H"
        s +=
            "\(esc)1;37;44m Intel(R) AMT Simulator - Serial over LAN console            \(esc)0m\r\n"
        s += "\r\n+------------------------------------------+\r\n"
        s += "| BIOS Version   : SIM.15.0.0              |\r\n"
        s += "| Processor      : Simulated CPU @ 2.00GHz |\r\n"
        s += "| Memory         : 16384 MB                |\r\n"
        s += "+------------------------------------------+\r\n"
        s += "\(esc)32mSystem ready.\(esc)0m Type \(esc)1mhelp\(esc)0m for commands.\r\n\r\n"
        s += Self.prompt
        return Array(s.utf8)
    }

    /// Handles typed bytes; returns what the console prints in answer.
    public mutating func input(_ bytes: [UInt8], now: Date) -> [UInt8] {
        var out: [UInt8] = []
        for byte in bytes {
            switch (self.escape, byte) {
            case (.none, 0x1B): self.escape = .escape
            case (.escape, 0x5B), (.escape, 0x4F): self.escape = .sequence
            case (.escape, _): self.escape = .none
            case (.sequence, 0x40...0x7E): self.escape = .none  // final byte of ESC [ ... x
            case (.sequence, _): break
            case (.none, 0x0D):
                out += Array("\r\n".utf8)
                out += self.run(String(decoding: self.line, as: UTF8.self), now: now)
                self.line = []
                if !self.wantsHangUp { out += Array(Self.prompt.utf8) }
            case (.none, 0x0A): break  // CR LF from a terminal: the CR already ran the line
            case (.none, 0x08), (.none, 0x7F):
                if !self.line.isEmpty {
                    self.line.removeLast()
                    out += [0x08, 0x20, 0x08]
                }
            case (.none, 0x03):
                self.line = []
                out += Array("^C\r\n\(Self.prompt)".utf8)
            case (.none, 0x20...0x7E):
                guard self.line.count < Self.maximumLine else { break }
                self.line.append(byte)
                out.append(byte)
            case (.none, _): break
            }
        }
        return out
    }

    private mutating func run(_ text: String, now: Date) -> [UInt8] {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let command = words.first.map({ $0.lowercased() }) else { return [] }
        self.history.append(command)
        let reply: String
        switch command {
        case "help":
            reply = "Commands: help, ver, date, clear, echo <text>, screen, exit\r\n"
        case "ver": reply = Self.version + "\r\n"
        case "date": reply = Self.format(now) + "\r\n"
        case "clear": reply = "\u{1B}[2J\u{1B}[H"
        case "screen": return Array(self.welcome(now: now).dropLast(Self.prompt.utf8.count))
        case "echo": reply = words.dropFirst().joined(separator: " ") + "\r\n"
        case "exit":
            self.wantsHangUp = true
            reply = "Goodbye.\r\n"
        default:
            reply = "Unknown command '\(command)'. Type help.\r\n"
        }
        return Array(reply.utf8)
    }

    /// `YYYY-MM-DD HH:MM:SS UTC`.
    static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let two = { (v: Int?) in v.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day)) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) UTC"
    }
}
