// Simulator redirection: RFB pixel formats and ZRLE tiles (RFC 6143 §7.4, §7.7.6; redirection.md
// §2.6 items 4, 6, 9, 10).

/// An RFB PIXEL_FORMAT. The simulator serves true-colour 8 and 16 bpp, which covers what AMT
/// clients use: RGB565 (AMT's default, little-endian), RGB332 and 8-bit grey.
public struct RFBPixelFormat: Sendable, Equatable {
    public var bitsPerPixel: UInt8
    public var depth: UInt8
    public var bigEndian: Bool
    public var trueColour: Bool
    public var redMax: UInt16, greenMax: UInt16, blueMax: UInt16
    public var redShift: UInt8, greenShift: UInt8, blueShift: UInt8

    public static let rgb565 = RFBPixelFormat(
        bitsPerPixel: 16,
        depth: 16,
        bigEndian: false,
        trueColour: true,
        redMax: 31,
        greenMax: 63,
        blueMax: 31,
        redShift: 11,
        greenShift: 5,
        blueShift: 0
    )
    public static let rgb332 = RFBPixelFormat(
        bitsPerPixel: 8,
        depth: 8,
        bigEndian: false,
        trueColour: true,
        redMax: 7,
        greenMax: 7,
        blueMax: 3,
        redShift: 5,
        greenShift: 2,
        blueShift: 0
    )
    /// MeshCommander's 8-bit grey: all intensity in the "red" channel.
    public static let grey8 = RFBPixelFormat(
        bitsPerPixel: 8,
        depth: 8,
        bigEndian: false,
        trueColour: true,
        redMax: 255,
        greenMax: 0,
        blueMax: 0,
        redShift: 0,
        greenShift: 0,
        blueShift: 0
    )

    public init(
        bitsPerPixel: UInt8,
        depth: UInt8,
        bigEndian: Bool,
        trueColour: Bool,
        redMax: UInt16,
        greenMax: UInt16,
        blueMax: UInt16,
        redShift: UInt8,
        greenShift: UInt8,
        blueShift: UInt8
    ) {
        self.bitsPerPixel = bitsPerPixel
        self.depth = depth
        self.bigEndian = bigEndian
        self.trueColour = trueColour
        self.redMax = redMax
        self.greenMax = greenMax
        self.blueMax = blueMax
        self.redShift = redShift
        self.greenShift = greenShift
        self.blueShift = blueShift
    }

    /// Parses the 16 wire bytes.
    public init(bytes b: [UInt8]) {
        precondition(b.count == 16)
        self.init(
            bitsPerPixel: b[0],
            depth: b[1],
            bigEndian: b[2] != 0,
            trueColour: b[3] != 0,
            redMax: UInt16(b[4]) << 8 | UInt16(b[5]),
            greenMax: UInt16(b[6]) << 8 | UInt16(b[7]),
            blueMax: UInt16(b[8]) << 8 | UInt16(b[9]),
            redShift: b[10],
            greenShift: b[11],
            blueShift: b[12]
        )
    }

    /// The 16 wire bytes (3 of them padding).
    public var bytes: [UInt8] {
        [self.bitsPerPixel, self.depth, self.bigEndian ? 1 : 0, self.trueColour ? 1 : 0]
            + RFBBE.u16(Int(self.redMax)) + RFBBE.u16(Int(self.greenMax))
            + RFBBE.u16(Int(self.blueMax)) + [
                self.redShift, self.greenShift, self.blueShift, 0, 0, 0,
            ]
    }

    /// True for a format this simulator can encode.
    public var isSupported: Bool {
        guard self.trueColour, self.bitsPerPixel == 8 || self.bitsPerPixel == 16 else {
            return false
        }
        let bits = Int(self.bitsPerPixel)
        func fits(_ max: UInt16, _ shift: UInt8) -> Bool {
            max == 0 || (Int(shift) + (UInt32(max) + 1).trailingZeroBitCount <= bits)
        }
        return fits(self.redMax, self.redShift) && fits(self.greenMax, self.greenShift)
            && fits(self.blueMax, self.blueShift)
    }

    var isGrey: Bool { self.greenMax == 0 && self.blueMax == 0 }

    /// The pixel value of an RGB colour in this format.
    public func value(r: UInt8, g: UInt8, b: UInt8) -> UInt32 {
        func scale(_ c: UInt8, _ max: UInt16) -> UInt32 { (UInt32(c) * UInt32(max) + 127) / 255 }
        if self.isGrey {
            let luma = (UInt32(r) * 299 + UInt32(g) * 587 + UInt32(b) * 114) / 1000
            return scale(UInt8(luma), self.redMax) << self.redShift
        }
        return scale(r, self.redMax) << self.redShift | scale(g, self.greenMax) << self.greenShift
            | scale(b, self.blueMax) << self.blueShift
    }

    /// The pixel bytes (RFB PIXEL and, at 8 and 16 bpp, ZRLE CPIXEL) for an RGB colour.
    public func encode(r: UInt8, g: UInt8, b: UInt8) -> [UInt8] {
        let v = self.value(r: r, g: g, b: b)
        if self.bitsPerPixel == 8 { return [UInt8(v & 0xFF)] }
        let lo = UInt8(v & 0xFF)
        let hi = UInt8((v >> 8) & 0xFF)
        return self.bigEndian ? [hi, lo] : [lo, hi]
    }
}

/// Encodes one tile's pixels (palette indices) as a ZRLE tile before compression: solid when
/// uniform, otherwise the shorter of raw and plain RLE. We never use packed palettes, whose
/// row padding on AMT is unconfirmed (§2.6 item 10).
enum ZRLETile {
    static func encode(_ indices: [UInt8], colours: [[UInt8]]) -> [UInt8] {
        guard let first = indices.first else { return [] }
        if indices.allSatisfy({ $0 == first }) { return [1] + colours[Int(first)] }
        var raw: [UInt8] = [0]
        raw.reserveCapacity(1 + indices.count * colours[0].count)
        for i in indices { raw += colours[Int(i)] }
        var rle: [UInt8] = [128]
        var i = 0
        while i < indices.count && rle.count < raw.count {
            var j = i + 1
            while j < indices.count && indices[j] == indices[i] { j += 1 }
            rle += colours[Int(indices[i])]
            // Run length minus one, as 255s and a final byte below 255 (RFC 6143 §7.7.6).
            var rest = j - i - 1
            while rest >= 255 {
                rle.append(255)
                rest -= 255
            }
            rle.append(UInt8(rest))
            i = j
        }
        return rle.count < raw.count ? rle : raw
    }
}
