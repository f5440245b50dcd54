// Simulator redirection: the synthetic screen the simulated KVM shows.
internal import Foundation

/// What the simulated PC displays: a title bar with a UTC clock, a bar that moves with time,
/// the characters typed over KVM, and a mark where the mouse is. `render()` draws it.
public struct SimulatedDesktop: Sendable {
    public let width: Int
    public let height: Int
    /// Lines of typed text (the last one is being edited).
    public private(set) var lines: [String] = [""]
    public private(set) var pointer = (x: 0, y: 0)
    public private(set) var buttons: UInt8 = 0
    public private(set) var clockText = "00:00:00"
    public private(set) var barOffset = 0

    static let scale = 3
    static let columns = 40
    static let maximumLines = 8

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Everything typed, lines joined with "\n".
    public var typed: String { self.lines.joined(separator: "\n") }

    mutating func key(_ keysym: UInt32) {
        switch keysym {
        case 0x20...0x7E:
            if self.lines[self.lines.count - 1].count >= Self.columns { self.newLine() }
            self.lines[self.lines.count - 1].append(Character(Unicode.Scalar(UInt8(keysym))))
        case 0xFF0D, 0xFF8D: self.newLine()  // Return, KP_Enter
        case 0xFF08:  // BackSpace
            if !self.lines[self.lines.count - 1].isEmpty {
                self.lines[self.lines.count - 1].removeLast()
            }
        default: break  // modifiers and function keys change nothing on screen
        }
    }

    private mutating func newLine() {
        self.lines.append("")
        if self.lines.count > Self.maximumLines { self.lines.removeFirst() }
    }

    mutating func pointer(x: Int, y: Int, buttons: UInt8) {
        self.pointer = (min(x, self.width - 1), min(y, self.height - 1))
        self.buttons = buttons
    }

    /// Moves the clock and the bar to `now`.
    mutating func clock(_ now: Date) {
        let t = now.timeIntervalSince1970
        let daySeconds = Int(t.truncatingRemainder(dividingBy: 86400))
        let two = { (v: Int) in v < 10 ? "0\(v)" : "\(v)" }
        self.clockText =
            "\(two(daySeconds / 3600)):\(two(daySeconds / 60 % 60)):\(two(daySeconds % 60))"
        // 32 pixels a second, snapped to 8 so small ticks do not repaint.
        let travel = max(1, self.width - 64)
        self.barOffset = (Int(t * 4) * 8) % travel
    }

    /// The screen as it looks now.
    public func render() -> SimulatedScreen {
        var s = SimulatedScreen(width: self.width, height: self.height, fill: .blue)
        let s3 = Self.scale
        s.fill(x: 0, y: 0, width: self.width, height: 24, .grey)
        s.text("AMT SIMULATOR KVM", x: 6, y: 5, scale: s3, .black)
        let clockWidth = SimulatedScreen.textWidth(self.clockText.count, scale: s3)
        s.text(self.clockText, x: self.width - clockWidth - 6, y: 5, scale: s3, .black)
        for (i, line) in self.lines.enumerated() {
            s.text("> " + line, x: 12, y: 40 + i * 8 * s3, scale: s3, .white)
        }
        s.fill(x: 0, y: self.height - 20, width: self.width, height: 20, .darkGrey)
        s.fill(x: self.barOffset, y: self.height - 16, width: 64, height: 12, .yellow)
        // The cursor mark: a cross, red while a button is held.
        let mark: SimulatedScreen.Colour = self.buttons == 0 ? .white : .lightRed
        s.fill(x: self.pointer.x - 4, y: self.pointer.y, width: 9, height: 1, mark)
        s.fill(x: self.pointer.x, y: self.pointer.y - 4, width: 1, height: 9, mark)
        return s
    }
}
