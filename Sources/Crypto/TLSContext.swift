internal import COpenSSL

/// A TLS protocol version, oldest first.
public enum TLSVersion: Sendable, Comparable, CaseIterable {
    case tls1_0, tls1_1, tls1_2, tls1_3

    var openSSLValue: Int32 {
        switch self {
        case .tls1_0: TLS1_VERSION
        case .tls1_1: TLS1_1_VERSION
        case .tls1_2: TLS1_2_VERSION
        case .tls1_3: TLS1_3_VERSION
        }
    }
}

/// Configuration shared by many TLS sessions: certificate, key, versions, verification.
///
/// Safe to share across threads (`@unchecked Sendable`): the `SSL_CTX` is fully configured
/// inside the factory methods before any other thread can see it and is never mutated
/// afterwards. OpenSSL documents `SSL_new` on one `SSL_CTX` from several threads as safe
/// (the context's reference count and certificate store are internally locked). The pointer
/// is never nil and is freed exactly once, in `deinit`.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    /// True for contexts made by `server(...)`: sessions accept rather than connect.
    public let isServer: Bool
    /// True when the client checks the peer's chain (and host name when one is given).
    public let verifiesPeer: Bool

    private init(takingOwnership ctx: OpaquePointer, isServer: Bool, verifiesPeer: Bool) {
        self.ctx = ctx
        self.isServer = isServer
        self.verifiesPeer = verifiesPeer
    }

    deinit { SSL_CTX_free(self.ctx) }

    /// A server context. `certificateChainPEM`: leaf first, then intermediates/root as given.
    /// `privateKeyPEM`: an RSA or EC key in PEM. The server presents its certificate whatever
    /// SNI the client sends (or none, as AMT does); it keeps no session cache, issues no
    /// session tickets and never asks for a client certificate, to keep idle sessions small.
    /// A `minimumVersion` below 1.2 really enables TLS 1.0/1.1: it drops the security level to
    /// 0 and allows the legacy cipher list, in that mode only.
    public static func server(
        certificateChainPEM: String,
        privateKeyPEM: String,
        minimumVersion: TLSVersion = .tls1_2,
        maximumVersion: TLSVersion? = nil
    ) throws -> TLSContext {
        let context = try make(TLS_server_method(), isServer: true, verifiesPeer: false)
        let ctx = context.ctx
        let options =
            mps_SSL_OP_NO_TICKET() | mps_SSL_OP_NO_RENEGOTIATION()
            | mps_SSL_OP_NO_COMPRESSION() | mps_SSL_OP_CIPHER_SERVER_PREFERENCE()
            | mps_SSL_OP_IGNORE_UNEXPECTED_EOF()
        _ = SSL_CTX_set_options(ctx, options)
        // TODO(#2): session resumption for the web listener, if browser reconnects show up hot.
        _ = mps_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_OFF))
        try check(SSL_CTX_set_num_tickets(ctx, 0), "SSL_CTX_set_num_tickets")
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        // AES-128-GCM first (server preference): the smallest per-session key schedule and
        // digest state, so idle TLS 1.3 sessions stay small; the others remain available.
        try check(
            SSL_CTX_set_ciphersuites(
                ctx,
                "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
            ),
            "SSL_CTX_set_ciphersuites"
        )
        try context.configureVersions(minimum: minimumVersion, maximum: maximumVersion)
        try context.useCertificateChain(certificateChainPEM)
        try context.usePrivateKey(privateKeyPEM)
        return context
    }

    /// A client context. `trustedRootsPEM` nil with `verifyPeer` false: no verification at all
    /// (simulator, tests). `trustedRootsPEM` nil with `verifyPeer` true: the system's roots.
    public static func client(
        trustedRootsPEM: String?,
        verifyPeer: Bool,
        minimumVersion: TLSVersion = .tls1_2,
        maximumVersion: TLSVersion? = nil
    ) throws -> TLSContext {
        let context = try make(TLS_client_method(), isServer: false, verifiesPeer: verifyPeer)
        let ctx = context.ctx
        let options =
            mps_SSL_OP_NO_RENEGOTIATION() | mps_SSL_OP_NO_COMPRESSION()
            | mps_SSL_OP_IGNORE_UNEXPECTED_EOF()
        _ = SSL_CTX_set_options(ctx, options)
        try context.configureVersions(minimum: minimumVersion, maximum: maximumVersion)
        if let trustedRootsPEM {
            let store = SSL_CTX_get_cert_store(ctx)
            let roots = try readCertificates(trustedRootsPEM, what: "trusted root")
            defer { roots.forEach { X509_free($0) } }
            for root in roots {
                try check(X509_STORE_add_cert(store, root), "X509_STORE_add_cert")
            }
        } else if verifyPeer {
            try check(SSL_CTX_set_default_verify_paths(ctx), "SSL_CTX_set_default_verify_paths")
        }
        SSL_CTX_set_verify(ctx, verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        return context
    }

    private static func make(
        _ method: OpaquePointer?,
        isServer: Bool,
        verifiesPeer: Bool
    ) throws(CryptoError) -> TLSContext {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(method) else { throw CryptoError.drain("SSL_CTX_new") }
        let context = TLSContext(takingOwnership: ctx, isServer: isServer, verifiesPeer: verifiesPeer)
        // Idle sessions give their 16 KiB read/write buffers back; writes may be retried from a
        // moved buffer and complete one record at a time (the event loop queues the rest).
        let mode =
            SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
            | SSL_MODE_ENABLE_PARTIAL_WRITE
        _ = mps_SSL_CTX_set_mode(ctx, Int(mode))
        return context
    }

    private func configureVersions(minimum: TLSVersion, maximum: TLSVersion?) throws(CryptoError) {
        if let maximum, maximum < minimum {
            throw CryptoError(function: "TLSContext", reason: "maximum TLS version below minimum")
        }
        // AES-128-GCM first for TLS 1.2 as well (smaller idle sessions), then exactly OpenSSL's
        // DEFAULT set in its order ("DEFAULT" itself is only understood first in a list).
        let preferred =
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
            + ":ALL:!COMPLEMENTOFDEFAULT:!eNULL"
        if minimum < .tls1_2 {
            // OpenSSL 3 refuses TLS 1.0/1.1 at security level 1 and above (SHA-1 handshake
            // hashes); the system openssl.cnf may also raise the level. Legacy mode only.
            SSL_CTX_set_security_level(self.ctx, 0)
            try check(
                SSL_CTX_set_cipher_list(self.ctx, preferred + ":@SECLEVEL=0"),
                "SSL_CTX_set_cipher_list"
            )
        } else {
            try check(SSL_CTX_set_cipher_list(self.ctx, preferred), "SSL_CTX_set_cipher_list")
        }
        try check(
            Int32(mps_SSL_CTX_set_min_proto_version(self.ctx, minimum.openSSLValue)),
            "SSL_CTX_set_min_proto_version"
        )
        // Explicit maximum so a system configuration cannot narrow the range we asked for.
        let top = maximum ?? .tls1_3
        try check(
            Int32(mps_SSL_CTX_set_max_proto_version(self.ctx, top.openSSLValue)),
            "SSL_CTX_set_max_proto_version"
        )
    }

    private func useCertificateChain(_ pem: String) throws {
        let certificates = try Self.readCertificates(pem, what: "certificate")
        defer { certificates.forEach { X509_free($0) } }
        try check(SSL_CTX_use_certificate(self.ctx, certificates[0]), "SSL_CTX_use_certificate")
        for extra in certificates.dropFirst() {
            try check(
                Int32(mps_SSL_CTX_add_extra_chain_cert_ref(self.ctx, extra)),
                "SSL_CTX_add_extra_chain_cert")
        }
    }

    private func usePrivateKey(_ pem: String) throws {
        ERR_clear_error()
        let key: OpaquePointer? = pem.withCString { text in
            guard let bio = BIO_new_mem_buf(text, -1) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        // Never echo the PEM text: only OpenSSL's reason codes go into the error.
        guard let key else { throw CryptoError.drain("PEM_read_bio_PrivateKey") }
        defer { EVP_PKEY_free(key) }
        try check(SSL_CTX_use_PrivateKey(self.ctx, key), "SSL_CTX_use_PrivateKey")
        try check(SSL_CTX_check_private_key(self.ctx), "SSL_CTX_check_private_key")
    }

    /// Every certificate in a PEM bundle, in order; the caller frees them. Throws if none.
    static func readCertificates(_ pem: String, what: String) throws(CryptoError) -> [OpaquePointer] {
        ERR_clear_error()
        var certificates: [OpaquePointer] = []
        pem.withCString { text in
            guard let bio = BIO_new_mem_buf(text, -1) else { return }
            defer { BIO_free(bio) }
            while let cert = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(cert)
            }
        }
        // The loop ends on "no start line" at the end of the text: expected, not an error.
        // Anything else means a damaged certificate block.
        let last = ERR_peek_last_error()
        let atEnd = ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE
        if last != 0 && !atEnd {
            certificates.forEach { X509_free($0) }
            throw CryptoError.drain("PEM_read_bio_X509")
        }
        ERR_clear_error()
        if certificates.isEmpty {
            throw CryptoError(function: "PEM_read_bio_X509", reason: "no \(what) found in PEM text")
        }
        return certificates
    }
}
