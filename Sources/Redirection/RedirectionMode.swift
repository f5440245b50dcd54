// Redirection: the three session kinds and what they put on the wire (redirection.md §2.2).

/// A redirection session kind. Each has its own ASCII tag in StartRedirectionSession and its
/// own one-per-device slot in ``RelaySessions`` (B43, B44).
public enum RedirectionMode: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    case sol
    case kvm
    case ider

    /// Parses the `mode` query value of the relay URL (`kvm`, `sol`, `ider`, any case).
    public init?(query: String) {
        self.init(rawValue: query.lowercased())
    }

    /// The four-byte ASCII tag at offset 4 of StartRedirectionSession.
    public var tag: [UInt8] {
        switch self {
        case .sol: Array("SOL ".utf8)
        case .kvm: Array("KVMR".utf8)
        case .ider: Array("IDER".utf8)
        }
    }

    /// The byte at offset 1 of StartRedirectionSession: KVM clients send 1 and real AMT
    /// accepts it (§2.2, trace); SOL and IDE-R send 0.
    public var startFlag: UInt8 { self == .kvm ? 1 : 0 }

    /// The complete 8-byte StartRedirectionSession for this mode (appendix A1–A3).
    public var startMessage: [UInt8] { [0x10, self.startFlag, 0, 0] + self.tag }

    /// The mode a StartRedirectionSession tag names, or nil for an unknown tag.
    public init?(tag: some Collection<UInt8>) {
        guard let mode = Self.allCases.first(where: { $0.tag.elementsEqual(tag) }) else {
            return nil
        }
        self = mode
    }

    public var description: String { self.rawValue }
}

/// The device ports redirection can use inside the CIRA tunnel (apf.md §6.1).
public enum RedirectionPort {
    /// Redirection in clear; the tunnel itself is already TLS.
    public static let plain: UInt32 = 16994
    /// Redirection over TLS, the only one a TLS-enforcing device forwards (B47).
    public static let tls: UInt32 = 16995
}
