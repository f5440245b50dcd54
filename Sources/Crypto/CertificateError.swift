/// A certificate, key or PEM problem, naming the file involved when there is one.
///
/// The message never contains key material or file contents: only the reason, the path and a
/// short detail such as an errno text or an OpenSSL reason string.
public struct CertificateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong; a growing set of named constants.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case invalidPEM = "invalid PEM"
            case invalidDER = "invalid DER"
            case encryptedKey = "encrypted private keys are not supported"
            case unsupportedKey = "unsupported key"
            case invalidName = "invalid name"
            case invalidParameter = "invalid parameter"
            case missingFile = "missing file"
            case unreadableFile = "unreadable file"
            case writeFailed = "cannot write file"
            case keyMismatch = "private key does not match the certificate"
            case chainDoesNotVerify = "certificate does not verify against its issuer"
            case expired = "certificate has expired"
            case openSSL = "OpenSSL failure"
        }
        private let kind: Kind

        /// Invalid PEM.
        public static let invalidPEM = Reason(kind: .invalidPEM)
        /// Invalid DER.
        public static let invalidDER = Reason(kind: .invalidDER)
        /// Encrypted private keys are not supported.
        public static let encryptedKey = Reason(kind: .encryptedKey)
        /// Unsupported key.
        public static let unsupportedKey = Reason(kind: .unsupportedKey)
        /// Invalid name.
        public static let invalidName = Reason(kind: .invalidName)
        /// Invalid parameter.
        public static let invalidParameter = Reason(kind: .invalidParameter)
        /// Missing file.
        public static let missingFile = Reason(kind: .missingFile)
        /// Unreadable file.
        public static let unreadableFile = Reason(kind: .unreadableFile)
        /// Cannot write file.
        public static let writeFailed = Reason(kind: .writeFailed)
        /// Private key does not match the certificate.
        public static let keyMismatch = Reason(kind: .keyMismatch)
        /// Certificate does not verify against its issuer.
        public static let chainDoesNotVerify = Reason(kind: .chainDoesNotVerify)
        /// Certificate has expired.
        public static let expired = Reason(kind: .expired)
        /// OpenSSL failure.
        public static let openSSL = Reason(kind: .openSSL)

        public var description: String { self.kind.rawValue }
    }

    /// The kind of problem.
    public let reason: Reason
    /// The file the problem concerns, if any.
    public let path: String?
    /// A short, secret-free explanation.
    public let detail: String

    /// An error; `detail` must not contain secrets.
    public init(_ reason: Reason, path: String? = nil, detail: String = "") {
        self.reason = reason
        self.path = path
        self.detail = detail
    }

    public var description: String {
        var text = self.reason.description
        if let path = self.path { text += " (\(path))" }
        if !self.detail.isEmpty { text += ": \(self.detail)" }
        return text
    }

    /// The same error, now naming `path` (keeps an already named path).
    func naming(_ path: String) -> CertificateError {
        CertificateError(self.reason, path: self.path ?? path, detail: self.detail)
    }

    /// Wraps a drained OpenSSL error.
    static func openSSL(_ error: CryptoError) -> CertificateError {
        CertificateError(.openSSL, detail: error.description)
    }
}

/// The checking funnel for the certificate code: `check` with the error wrapped.
@inline(__always)
func checked(_ result: Int32, _ function: String) throws(CertificateError) {
    do { try check(result, function) } catch { throw .openSSL(error) }
}
