internal import CLinux
internal import Glibc

/// A network failure: the system call (or step) that failed and its errno, when there is one.
/// Compare against the static constants (`NetError.handshakeTimeout`) or check `errno`.
public struct NetError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Kind: Hashable, Sendable {
        case system
        case eventLoopShutDown
        case handshakeTimeout
        case connectTimeout
        case closeTimeout
        case closedDuringHandshake
        case invalidAddress
    }

    private let kind: Kind
    /// The C function or step that failed ("accept4", "connect", "handshake", ...).
    public let function: String
    /// The errno of a failed system call; 0 when the error is not from one.
    public let errno: Int32
    private let detail: String

    private init(_ kind: Kind, function: String, errno: Int32 = 0, detail: String = "") {
        self.kind = kind
        self.function = function
        self.errno = errno
        self.detail = detail
    }

    /// A failed system call.
    public init(function: String, errno: Int32) {
        self.init(.system, function: function, errno: errno)
    }

    /// The event loop was shut down: the task was not run or the connection was closed.
    public static let eventLoopShutDown = NetError(.eventLoopShutDown, function: "EventLoop")
    /// The TLS handshake did not finish in time.
    public static let handshakeTimeout = NetError(.handshakeTimeout, function: "handshake")
    /// The TCP connect (plus TLS handshake) of a client did not finish in time.
    public static let connectTimeout = NetError(.connectTimeout, function: "connect")
    /// `close()` could not flush its pending writes in time; the rest was dropped.
    public static let closeTimeout = NetError(.closeTimeout, function: "close")
    /// The peer closed the connection before the TLS handshake finished.
    public static let closedDuringHandshake = NetError(.closedDuringHandshake, function: "handshake")

    /// `host` is not a numeric IPv4/IPv6 address (or "localhost").
    public static func invalidAddress(_ host: String) -> NetError {
        NetError(.invalidAddress, function: "address", detail: host)
    }

    public var description: String {
        switch self.kind {
        case .system:
            "\(self.function) failed: \(String(cString: strerror(self.errno))) (errno \(self.errno))"
        case .eventLoopShutDown: "event loop shut down"
        case .handshakeTimeout: "TLS handshake timed out"
        case .connectTimeout: "connect timed out"
        case .closeTimeout: "close timed out with unsent data"
        case .closedDuringHandshake: "peer closed the connection during the TLS handshake"
        case .invalidAddress: "not a numeric IP address: \(self.detail)"
        }
    }
}

/// The outcome of a non-blocking system call that may have to wait.
enum IOResult: Equatable {
    case done(Int)
    case wouldBlock
}

/// The checking funnel for system calls returning -1 + errno: retries EINTR, maps EAGAIN to
/// `.wouldBlock`, throws everything else with the function's name.
@inline(__always)
func nonBlockingCall(_ function: String, _ body: () -> Int) throws(NetError) -> IOResult {
    while true {
        let rc = body()
        if rc >= 0 { return .done(rc) }
        let code = mps_errno()
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
        throw NetError(function: function, errno: code)
    }
}

/// The checking funnel for system calls that never wait (socket, bind, setsockopt, ...).
@inline(__always)
@discardableResult
func systemCall(_ function: String, _ body: () -> Int32) throws(NetError) -> Int32 {
    while true {
        let rc = body()
        if rc >= 0 { return rc }
        let code = mps_errno()
        if code == EINTR { continue }
        throw NetError(function: function, errno: code)
    }
}

/// close(2) without retrying EINTR (on Linux the descriptor is gone either way).
func closeDescriptor(_ fd: Int32) {
    if fd >= 0 { _ = Glibc.close(fd) }
}
