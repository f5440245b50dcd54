internal import CLinux
internal import Glibc

/// A numeric IPv4 or IPv6 socket address. No name resolution: NetCore never blocks on DNS.
/// TODO(#2): resolve host names off the loop (a resolver thread) if a caller needs them.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    var family: Int32 { Int32(self.storage.ss_family) }

    /// Parses "127.0.0.1", "::1", "[::1]", "0.0.0.0", "::" or "localhost" (= 127.0.0.1).
    init(host: String, port: Int) throws(NetError) {
        guard (0...65535).contains(port) else { throw NetError.invalidAddress("\(host):\(port)") }
        var name = host
        if name == "localhost" { name = "127.0.0.1" }
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            sin.sin_addr = v4
            self.set(&sin)
        } else if inet_pton(AF_INET6, name, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
            sin6.sin6_addr = v6
            self.set(&sin6)
        } else {
            throw NetError.invalidAddress(host)
        }
    }

    init() {}

    private mutating func set<T>(_ value: inout T) {
        let size = MemoryLayout<T>.size
        withUnsafeMutableBytes(of: &self.storage) { dst in
            withUnsafeBytes(of: &value) { src in dst.copyMemory(from: src) }
        }
        self.length = socklen_t(size)
    }

    /// Runs `body` with the address as a `sockaddr` pointer and its length.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: self.storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), self.length)
        }
    }

    /// The port in host order.
    var port: Int {
        withUnsafeBytes(of: self.storage) { raw in
            switch self.family {
            case AF_INET: Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            case AF_INET6: Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            default: 0
            }
        }
    }

    /// "127.0.0.1:53422" or "[::1]:53422"; IPv4-mapped IPv6 addresses print as IPv4.
    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafeBytes(of: self.storage) { raw -> String in
            switch self.family {
            case AF_INET:
                var sin = raw.load(as: sockaddr_in.self)
                inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(text.count))
                return "\(Self.string(text)):\(self.port)"
            case AF_INET6:
                var sin6 = raw.load(as: sockaddr_in6.self)
                let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
                if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                    return "\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15]):\(self.port)"
                }
                inet_ntop(AF_INET6, &sin6.sin6_addr, &text, socklen_t(text.count))
                return "[\(Self.string(text))]:\(self.port)"
            default:
                return "unknown"
            }
        }
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The local address a socket is bound to.
    static func local(of fd: Int32) throws(NetError) -> SocketAddress {
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutableBytes(of: &address.storage) { raw in
            getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &address.length)
        }
        if rc != 0 { throw NetError(function: "getsockname", errno: mps_errno()) }
        return address
    }
}

/// Socket helpers shared by the listener and the client bootstrap.
enum Socket {
    /// A non-blocking, close-on-exec TCP socket of `family`.
    static func makeTCP(family: Int32) throws(NetError) -> Int32 {
        let type =
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            | Int32(SOCK_CLOEXEC.rawValue)
        return try systemCall("socket") { socket(family, type, 0) }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(NetError) {
        var v = value
        try systemCall("setsockopt") {
            setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// TCP_NODELAY; failure is harmless (the socket still works), so it is not reported.
    static func setNoDelay(_ fd: Int32) {
        try? setOption(fd, Int32(IPPROTO_TCP), Int32(TCP_NODELAY), 1)
    }

    /// The pending error of a socket (SO_ERROR), 0 if none.
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 { return mps_errno() }
        return value
    }
}
