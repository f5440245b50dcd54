// Simulator redirection: a tiny paletted framebuffer with a 3x5 bitmap font, for the KVM.

/// A framebuffer of palette indices, with rectangle fills and block-letter text. Colours are
/// converted to the client's pixel format only when a tile is encoded.
public struct SimulatedScreen: Sendable, Equatable {
    /// RGB of each palette index.
    public static let palette: [(r: UInt8, g: UInt8, b: UInt8)] = [
        (0, 0, 0), (0, 0, 170), (0, 170, 0), (0, 170, 170), (170, 0, 0), (170, 0, 170),
        (170, 85, 0), (170, 170, 170), (85, 85, 85), (85, 85, 255), (85, 255, 85),
        (85, 255, 255), (255, 85, 85), (255, 85, 255), (255, 255, 85), (255, 255, 255),
    ]

    public enum Colour: UInt8, Sendable {
        case black = 0
        case blue, green, cyan, red, magenta, brown, grey
        case darkGrey, lightBlue, lightGreen, lightCyan, lightRed, pink, yellow, white
    }

    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, fill: Colour = .black) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
        self.pixels = [UInt8](repeating: fill.rawValue, count: width * height)
    }

    public subscript(x: Int, y: Int) -> UInt8 { self.pixels[y * self.width + x] }

    /// Fills the part of the rectangle that lies on screen.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, _ colour: Colour) {
        let x0 = max(0, x)
        let y0 = max(0, y)
        let x1 = min(self.width, x + width)
        let y1 = min(self.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            let base = row * self.width
            for col in x0..<x1 { self.pixels[base + col] = colour.rawValue }
        }
    }

    /// Draws `text` in upper-case 3x5 block letters, each dot `scale` pixels square, with one
    /// dot of spacing. Characters without a glyph draw as a hollow box.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int, _ colour: Colour) {
        var cx = x
        for character in text.uppercased() {
            let rows = SimulatedFont.glyph(character)
            for (r, row) in rows.enumerated() {
                for c in 0..<3 where row & (0b100 >> c) != 0 {
                    self.fill(
                        x: cx + c * scale,
                        y: y + r * scale,
                        width: scale,
                        height: scale,
                        colour
                    )
                }
            }
            cx += 4 * scale
        }
    }

    /// Width in pixels of `count` characters at `scale`.
    public static func textWidth(_ count: Int, scale: Int) -> Int { count * 4 * scale }
}

/// The 3x5 font: five rows of three bits, left bit first.
enum SimulatedFont {
    static func glyph(_ c: Character) -> [UInt8] {
        guard let pattern = Self.table[c] else { return [0b111, 0b101, 0b101, 0b101, 0b111] }
        let bits = Array(pattern.utf8).map { $0 == UInt8(ascii: "1") ? UInt8(1) : 0 }
        return (0..<5).map { r in bits[r * 3] << 2 | bits[r * 3 + 1] << 1 | bits[r * 3 + 2] }
    }

    static let table: [Character: String] = [
        "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
        "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
        "6": "111100111101111", "7": "111001001001001", "8": "111101111101111",
        "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
        "C": "011100100100011", "D": "110101101101110", "E": "111100110100111",
        "F": "111100110100100", "G": "011100101101011", "H": "101101111101101",
        "I": "111010010010111", "J": "001001001101010", "K": "101101110101101",
        "L": "100100100100111", "M": "101111111101101", "N": "110101101101101",
        "O": "010101101101010", "P": "110101110100100", "Q": "010101101110011",
        "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
        "U": "101101101101111", "V": "101101101101010", "W": "101101111111101",
        "X": "101101010101101", "Y": "101101010010010", "Z": "111001010100111",
        " ": "000000000000000", ":": "000010000010000", ">": "100010001010100",
        "<": "001010100010001", "-": "000000111000000", ".": "000000000000010",
        "(": "001010010010001", ")": "100010010010100", "/": "001001010100100",
        "?": "111001010000010", "!": "010010010000010", "_": "000000000000111",
        "=": "000111000111000", "+": "000010111010000", ",": "000000000010100",
        "'": "010010000000000", "\"": "101101000000000", "*": "101010101000000",
        "#": "101111101111101", "@": "111101111100011", "%": "101001010100101",
    ]
}
