internal import COpenSSL

/// An OpenSSL failure: the C function that failed and the drained error queue.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let reason: String

    public init(function: String, reason: String) {
        self.function = function
        self.reason = reason
    }

    public var description: String { "\(self.function) failed: \(self.reason)" }

    /// Drains OpenSSL's thread-local error queue into one message.
    static func drain(_ function: String) -> CryptoError {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buf, buf.count)
            parts.append(String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return CryptoError(function: function, reason: parts.isEmpty ? "unknown" : parts.joined(separator: "; "))
    }
}

/// The checking funnel: every OpenSSL call returning 1 on success goes through here.
@inline(__always)
func check(_ result: Int32, _ function: String) throws(CryptoError) {
    if result != 1 { throw CryptoError.drain(function) }
}
