// SPDX-License-Identifier: Apache-2.0

/// Which end of a WebSocket connection we are: it decides the masking rule (RFC 6455 §5.1).
public enum WebSocketRole: Sendable {
    /// Receives masked frames, sends unmasked ones.
    case server
    /// Receives unmasked frames, sends masked ones.
    case client
}

/// Frame opcodes (RFC 6455 §5.2).
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    var isControl: Bool { self.rawValue & 0x8 != 0 }
}

/// A complete message or control frame.
public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// `code` is 1005 ("no status received") when the close frame carried no payload.
    case close(code: UInt16, reason: String)
}

/// A protocol violation by the peer; ``closeCode`` is what we send in our close frame
/// before dropping the connection (RFC 6455 §7.4.1).
public enum WebSocketError: Error, Equatable, Sendable {
    case maskRequired
    case unexpectedMask
    case reservedBitsSet
    case reservedOpcode(UInt8)
    case nonMinimalLength
    case controlFrameTooLong
    case fragmentedControlFrame
    case unexpectedContinuation
    case expectedContinuation
    case invalidClosePayload
    case invalidCloseCode(UInt16)
    case invalidUTF8
    case messageTooLarge

    public var closeCode: UInt16 {
        switch self {
        case .invalidUTF8: 1007
        case .messageTooLarge: 1009
        default: 1002
        }
    }
}

/// Close status codes a peer may send (RFC 6455 §7.4): 1004-1006 and 1015 are reserved for
/// local use and never appear on the wire.
func isValidWireCloseCode(_ code: UInt16) -> Bool {
    switch code {
    case 1000...1003, 1007...1014: true
    case 3000...4999: true
    default: false
    }
}
