internal import COpenSSL

/// A private key (RSA for everything we generate) with its public-key fingerprint.
///
/// It does not read or write encrypted PEM: key files are protected by file modes instead.
/// `description` shows the algorithm, size and public fingerprint, never key material.
///
/// `@unchecked Sendable`: the class owns one `EVP_PKEY` that it never mutates after `init`.
/// OpenSSL 3 documents `EVP_PKEY` as safe for concurrent read-only use (signing, encoding,
/// `X509_check_private_key`) from several threads; the pointer is freed only in `deinit`,
/// when no other reference exists. There is no nil or closed state.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    let pointer: OpaquePointer
    /// SHA-256 of the DER SubjectPublicKeyInfo.
    public let publicKeyFingerprint: [UInt8]
    /// Key size in bits (modulus size for RSA).
    public let bitCount: Int
    /// True for RSA keys (everything we generate; AMT needs RSA).
    public let isRSA: Bool

    /// Takes ownership of `pointer` (an `EVP_PKEY`).
    init(takingOwnership pointer: OpaquePointer) throws(CertificateError) {
        self.pointer = pointer
        self.bitCount = Int(EVP_PKEY_get_bits(pointer))
        self.isRSA = EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA
        do {
            self.publicKeyFingerprint = Hash.sha256(
                try derEncode("i2d_PUBKEY") { i2d_PUBKEY(pointer, $0) }
            )
        } catch {
            EVP_PKEY_free(pointer)
            throw .openSSL(error)
        }
    }

    deinit { EVP_PKEY_free(self.pointer) }

    /// A fresh RSA key with public exponent 65537.
    /// - Parameter bits: 2048, 3072 or 4096.
    public static func generateRSA(bits: Int) throws(CertificateError) -> PrivateKey {
        guard [2048, 3072, 4096].contains(bits) else {
            throw CertificateError(
                .invalidParameter,
                detail: "RSA size \(bits) (use 2048, 3072 or 4096)"
            )
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else {
            throw .openSSL(CryptoError.drain("EVP_PKEY_CTX_new_from_name"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        try checked(EVP_PKEY_keygen_init(context), "EVP_PKEY_keygen_init")
        try checked(
            EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)),
            "EVP_PKEY_CTX_set_rsa_keygen_bits"
        )
        var key: OpaquePointer?
        try checked(EVP_PKEY_generate(context, &key), "EVP_PKEY_generate")
        guard let key else { throw .openSSL(CryptoError.drain("EVP_PKEY_generate")) }
        return try PrivateKey(takingOwnership: key)
    }

    /// Reads the first unencrypted private key block (`PRIVATE KEY`, `RSA PRIVATE KEY` or
    /// `EC PRIVATE KEY`) from `pem`.
    /// - Throws: `.encryptedKey` for encrypted blocks, `.invalidPEM` when there is no key block,
    ///   `.invalidDER` when the block does not decode.
    public convenience init(pem: String) throws(CertificateError) {
        let labels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]
        let blocks = try PEM.decode(pem)
        let encrypted = blocks.contains {
            $0.label == "ENCRYPTED PRIVATE KEY" || ($0.hasHeaders && labels.contains($0.label))
        }
        if encrypted {
            throw CertificateError(.encryptedKey)
        }
        guard let block = blocks.first(where: { labels.contains($0.label) }) else {
            throw CertificateError(.invalidPEM, detail: "no private key block")
        }
        var der = block.der
        defer { cleanse(&der) }
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = start
            guard let key = d2i_AutoPrivateKey(nil, &cursor, buffer.count) else { return nil }
            // Trailing bytes after the key mean the block is not what it claims to be.
            guard cursor == start + buffer.count else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let key else {
            ERR_clear_error()
            throw CertificateError(.invalidDER, detail: "\(block.label) block is not a valid key")
        }
        try self.init(takingOwnership: key)
    }

    /// The key as an unencrypted PKCS#8 `PRIVATE KEY` PEM block.
    public func pemPKCS8() -> String {
        do {
            guard let info = EVP_PKEY2PKCS8(self.pointer) else {
                throw CryptoError.drain("EVP_PKEY2PKCS8")
            }
            defer { PKCS8_PRIV_KEY_INFO_free(info) }
            var der = try derEncode("i2d_PKCS8_PRIV_KEY_INFO") { i2d_PKCS8_PRIV_KEY_INFO(info, $0) }
            defer { cleanse(&der) }
            return PEM.encode(label: "PRIVATE KEY", der: der)
        } catch {
            // Encoding a key we hold in memory fails only when OpenSSL runs out of memory.
            preconditionFailure("cannot encode a private key: \(error)")
        }
    }

    /// The public-key fingerprint as lowercase hex.
    public var publicKeyFingerprintHex: String { hex(self.publicKeyFingerprint) }

    public var description: String {
        "PrivateKey(\(self.isRSA ? "RSA" : "non-RSA")-\(self.bitCount), sha256 \(self.publicKeyFingerprintHex))"
    }

    /// Borrowed access to the `EVP_PKEY` for TLS setup inside this module.
    func withUnsafeEVPKey<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try body(self.pointer)
    }
}

/// Runs an OpenSSL `i2d_*` encoder twice (length, then bytes) and returns the DER.
func derEncode(
    _ function: String,
    _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32
) throws(CryptoError) -> [UInt8] {
    let length = encode(nil)
    guard length > 0 else { throw CryptoError.drain(function) }
    var out = [UInt8](repeating: 0, count: Int(length))
    let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var cursor = buffer.baseAddress
        return encode(&cursor)
    }
    guard written == length else { throw CryptoError.drain(function) }
    return out
}

/// Overwrites a buffer that held key material (best effort: Swift may have made copies).
func cleanse(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
}
