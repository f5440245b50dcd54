import Foundation

/// One subjectAltName entry of the kinds we issue and match: DNS names and IP addresses.
///
/// Other kinds (URI, e-mail, directory names) are skipped when reading a certificate.
public enum SubjectAltName: Hashable, Sendable, CustomStringConvertible {
    case dns(String)
    /// An IPv4 or IPv6 address in canonical text form (`192.0.2.1`, `2001:db8::1`).
    case ipAddress(String)

    /// The entry a server certificate needs for `name`: IP if `name` is an IPv4/IPv6
    /// literal, DNS otherwise.
    /// - Throws: `.invalidName` if `name` is neither an address nor a valid host name.
    public static func forHost(_ name: String) throws(CertificateError) -> SubjectAltName {
        if let bytes = ipAddressBytes(name) { return .ipAddress(ipAddressText(bytes) ?? name) }
        guard isValidHostName(name) else {
            throw CertificateError(.invalidName, detail: "not a host name or IP address")
        }
        return .dns(name)
    }

    public var description: String {
        switch self {
        case .dns(let name): "DNS:\(name)"
        case .ipAddress(let address): "IP:\(address)"
        }
    }

    /// True if this entry names `host` (DNS compared case-insensitively, IPs by value).
    /// Wildcards are not expanded: our own certificates never contain them.
    public func matches(host: String) -> Bool {
        switch self {
        case .dns(let name):
            return ipAddressBytes(host) == nil && name.lowercased() == host.lowercased()
        case .ipAddress(let address):
            guard let mine = ipAddressBytes(address), let theirs = ipAddressBytes(host) else {
                return false
            }
            return mine == theirs
        }
    }

    /// The DER payload of the entry: IA5 text for DNS, 4 or 16 octets for an address.
    var payload: [UInt8] {
        switch self {
        case .dns(let name): Array(name.utf8)
        case .ipAddress(let address): ipAddressBytes(address) ?? []
        }
    }
}

/// The 4 or 16 octets of an IPv4 or IPv6 literal, or nil.
func ipAddressBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
        return withUnsafeBytes(of: &v4) { Array($0) }
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 {
        return withUnsafeBytes(of: &v6) { Array($0) }
    }
    return nil
}

/// Canonical text for 4 or 16 address octets, or nil for any other length.
func ipAddressText(_ bytes: [UInt8]) -> String? {
    let family: Int32
    switch bytes.count {
    case 4: family = AF_INET
    case 16: family = AF_INET6
    default: return nil
    }
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let ok = bytes.withUnsafeBytes { raw in
        inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
    }
    guard ok else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, each 1–63
/// characters, 253 in all. We refuse anything else rather than put it in a certificate.
func isValidHostName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard !bytes.isEmpty, bytes.count <= 253 else { return false }
    let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    for label in labels {
        guard (1...63).contains(label.count),
            label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
        else { return false }
        for byte in label {
            let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
            let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            guard isLetter || isDigit || byte == UInt8(ascii: "-") else { return false }
        }
    }
    return true
}
