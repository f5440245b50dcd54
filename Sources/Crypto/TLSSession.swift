internal import COpenSSL
internal import Glibc

/// What a non-blocking TLS step needs next.
public enum TLSStatus: Sendable, Equatable {
    /// The step finished (handshake done, close_notify sent).
    case complete
    /// Call again when the socket is readable.
    case wantRead
    /// Call again when the socket is writable; a write must be retried with the same bytes.
    case wantWrite
    /// The peer closed the TLS session (close_notify or end of stream).
    case closed
}

/// The result of one non-blocking `read` or `write`.
public enum TLSTransfer: Sendable, Equatable {
    /// This many bytes were read into the buffer or written from it (always > 0).
    case bytes(Int)
    case wantRead
    case wantWrite
    case closed
}

/// One TLS session over a non-blocking socket that OpenSSL reads and writes itself
/// (`SSL_set_fd`). Owns its `SSL`, freed in `deinit`; never owns the file descriptor, which
/// the caller closes after dropping the session. Not Sendable: confined to one thread (the
/// event loop that owns the socket). Every call clears and drains OpenSSL's thread-local
/// error queue, so no stale error leaks into another session on the same thread.
public final class TLSSession {
    private let ssl: OpaquePointer

    /// Starts a session on `fileDescriptor` in the context's role. For a client context,
    /// `serverName` is sent as SNI and, when the context verifies peers, checked against the
    /// certificate (DNS name or IP address).
    public init(context: TLSContext, fileDescriptor: Int32, serverName: String? = nil) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(context.ctx) else { throw CryptoError.drain("SSL_new") }
        self.ssl = ssl
        try check(SSL_set_fd(ssl, fileDescriptor), "SSL_set_fd")
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            if let serverName, !serverName.isEmpty {
                // SNI must be a host name, never an IP literal (RFC 6066 §3).
                if !Self.isIPLiteral(serverName) {
                    try check(
                        Int32(mps_SSL_set_tlsext_host_name(ssl, serverName)),
                        "SSL_set_tlsext_host_name"
                    )
                }
                if context.verifiesPeer {
                    try check(SSL_set1_host(ssl, serverName), "SSL_set1_host")
                }
            }
            SSL_set_connect_state(ssl)
        }
    }

    deinit { SSL_free(self.ssl) }

    /// Drives the handshake one step.
    public func handshake() throws(CryptoError) -> TLSStatus {
        ERR_clear_error()
        let rc = SSL_do_handshake(self.ssl)
        if rc == 1 { return .complete }
        return try self.status(rc, "SSL_do_handshake")
    }

    /// Reads decrypted bytes. `.bytes(n)` may leave more decrypted data buffered inside the
    /// session (see `hasBufferedPlaintext`): call again until `.wantRead`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) -> TLSTransfer {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        ERR_clear_error()
        var done = 0
        let rc = SSL_read_ex(self.ssl, base, buffer.count, &done)
        if rc == 1 { return .bytes(done) }
        return try self.transfer(rc, "SSL_read_ex")
    }

    /// Encrypts and sends up to `buffer.count` bytes (at least one record's worth when it
    /// succeeds). After `.wantWrite`/`.wantRead`, retry with the same bytes and length.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(CryptoError) -> TLSTransfer {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        ERR_clear_error()
        var done = 0
        let rc = SSL_write_ex(self.ssl, base, buffer.count, &done)
        if rc == 1 { return .bytes(done) }
        return try self.transfer(rc, "SSL_write_ex")
    }

    /// Sends close_notify without waiting for the peer's. `.wantWrite` means retry when
    /// writable; errors are reported as `.complete` since the socket is closed next anyway.
    public func shutdown() -> TLSStatus {
        ERR_clear_error()
        let rc = SSL_shutdown(self.ssl)
        if rc >= 0 { return .complete }
        let error = SSL_get_error(self.ssl, rc)
        ERR_clear_error()
        switch error {
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_WANT_READ: return .wantRead
        default: return .complete
        }
    }

    /// True when decrypted bytes wait inside the session (no socket readiness will report them).
    public var hasBufferedPlaintext: Bool { SSL_pending(self.ssl) > 0 }

    /// "TLSv1.2", "TLSv1.3", ... once the handshake is done; nil before.
    public var protocolVersion: String? {
        guard SSL_is_init_finished(self.ssl) == 1, let name = SSL_get_version(self.ssl) else {
            return nil
        }
        return String(cString: name)
    }

    /// The negotiated cipher suite in OpenSSL's naming ("TLS_AES_128_GCM_SHA256",
    /// "ECDHE-RSA-AES128-GCM-SHA256", ...) once the handshake is done; nil before.
    public var cipherSuite: String? {
        guard SSL_is_init_finished(self.ssl) == 1, let cipher = SSL_get_current_cipher(self.ssl),
            let name = SSL_CIPHER_get_name(cipher)
        else { return nil }
        return String(cString: name)
    }

    /// SHA-256 over the DER of the peer's leaf certificate, when it sent one.
    public var peerCertificateSHA256: [UInt8]? {
        guard let cert = SSL_get1_peer_certificate(self.ssl) else { return nil }
        defer { X509_free(cert) }
        var der: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509(cert, &der)
        guard length > 0, let der else { return nil }
        defer { CRYPTO_free(der, #fileID, #line) }
        return Hash.sha256(UnsafeBufferPointer(start: der, count: Int(length)))
    }

    /// How many certificates the peer sent (its leaf and the chain after it); 0 for none.
    public var peerCertificateCount: Int {
        guard let chain = SSL_get_peer_cert_chain(self.ssl) else { return 0 }
        return Int(OPENSSL_sk_num(chain))
    }

    // MARK: - Error mapping

    private func status(_ rc: Int32, _ function: String) throws(CryptoError) -> TLSStatus {
        switch try self.classify(rc, function) {
        case .wantRead: .wantRead
        case .wantWrite: .wantWrite
        case .closed: .closed
        }
    }

    private func transfer(_ rc: Int32, _ function: String) throws(CryptoError) -> TLSTransfer {
        switch try self.classify(rc, function) {
        case .wantRead: .wantRead
        case .wantWrite: .wantWrite
        case .closed: .closed
        }
    }

    private enum Outcome { case wantRead, wantWrite, closed }

    /// The funnel for a failed SSL_* call: drains the error queue and names the function.
    private func classify(_ rc: Int32, _ function: String) throws(CryptoError) -> Outcome {
        let savedErrno = errno
        let error = SSL_get_error(self.ssl, rc)
        switch error {
        case SSL_ERROR_WANT_READ:
            ERR_clear_error()
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            ERR_clear_error()
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error()
            return .closed
        case SSL_ERROR_SYSCALL:
            if ERR_peek_error() != 0 { throw CryptoError.drain(function) }
            if savedErrno == 0 { return .closed }
            throw CryptoError(function: function, reason: String(cString: strerror(savedErrno)))
        default:
            if error == SSL_ERROR_SSL, let reason = self.verifyFailure() {
                ERR_clear_error()
                throw CryptoError(function: function, reason: reason)
            }
            throw CryptoError.drain(function)
        }
    }

    /// The certificate check's own message ("hostname mismatch", ...) when verification failed.
    private func verifyFailure() -> String? {
        let result = SSL_get_verify_result(self.ssl)
        guard result != Int(X509_V_OK), let text = X509_verify_cert_error_string(result) else {
            return nil
        }
        return "certificate verify failed: " + String(cString: text)
    }

    private static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
