internal import COpenSSL

/// AES-256-GCM authenticated encryption through OpenSSL's EVP interface.
///
/// The sealed form is `nonce (12 bytes) || ciphertext || tag (16 bytes)`, with a fresh random
/// nonce for every seal. It does not derive keys and does not track nonces: random 96-bit nonces
/// stay safe for about 2^32 messages under one key, far more secrets than we will ever store.
/// Binding the ciphertext to its context (for example the row it belongs to) is the caller's job,
/// through `aad`.
public enum AESGCM {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16

    /// Encrypts and authenticates `plaintext`, and authenticates `aad` without encrypting it.
    /// - Throws: `CryptoError` for a key that is not 32 bytes or an OpenSSL failure.
    public static func seal(
        key: [UInt8],
        plaintext: [UInt8],
        aad: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try self.checkKey(key, "AESGCM.seal")
        try self.checkLength(plaintext.count, "AESGCM.seal")
        try self.checkLength(aad.count, "AESGCM.seal")
        let nonce = SecureRandom.bytes(Self.nonceSize)
        let context = try CipherContext()
        let ctx = context.pointer

        try check(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil), "EVP_EncryptInit_ex")
        try check(
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceSize), nil),
            "EVP_CIPHER_CTX_ctrl(SET_IVLEN)"
        )
        try check(EVP_EncryptInit_ex(ctx, nil, nil, key, nonce), "EVP_EncryptInit_ex")

        var length: Int32 = 0
        if !aad.isEmpty {
            try check(EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)), "EVP_EncryptUpdate")
        }
        // GCM is a stream mode: the ciphertext is exactly as long as the plaintext.
        var cipher = [UInt8](repeating: 0, count: plaintext.count + Self.tagSize)
        var written = 0
        if !plaintext.isEmpty {
            try check(
                EVP_EncryptUpdate(ctx, &cipher, &length, plaintext, Int32(plaintext.count)),
                "EVP_EncryptUpdate"
            )
            written = Int(length)
        }
        try cipher.withUnsafeMutableBufferPointer { (buffer) throws(CryptoError) in
            try check(EVP_EncryptFinal_ex(ctx, buffer.baseAddress! + written, &length), "EVP_EncryptFinal_ex")
        }
        written += Int(length)
        precondition(written == plaintext.count, "GCM produced an unexpected ciphertext length")

        var tag = [UInt8](repeating: 0, count: Self.tagSize)
        try check(
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagSize), &tag),
            "EVP_CIPHER_CTX_ctrl(GET_TAG)"
        )
        return nonce + cipher.prefix(written) + tag
    }

    /// Verifies and decrypts a value made by `seal` with the same key and `aad`.
    /// - Throws: `CryptoError` when the data is too short, was altered, or was sealed under a
    ///   different key or AAD. The error never contains plaintext.
    public static func open(key: [UInt8], sealed: [UInt8], aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        try self.checkKey(key, "AESGCM.open")
        try self.checkLength(aad.count, "AESGCM.open")
        guard sealed.count >= Self.nonceSize + Self.tagSize else {
            throw CryptoError(function: "AESGCM.open", reason: "sealed data is too short")
        }
        try self.checkLength(sealed.count, "AESGCM.open")
        let nonce = Array(sealed.prefix(Self.nonceSize))
        let body = Array(sealed[Self.nonceSize..<(sealed.count - Self.tagSize)])
        var tag = Array(sealed.suffix(Self.tagSize))

        let context = try CipherContext()
        let ctx = context.pointer
        try check(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil), "EVP_DecryptInit_ex")
        try check(
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceSize), nil),
            "EVP_CIPHER_CTX_ctrl(SET_IVLEN)"
        )
        try check(EVP_DecryptInit_ex(ctx, nil, nil, key, nonce), "EVP_DecryptInit_ex")

        var length: Int32 = 0
        if !aad.isEmpty {
            try check(EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)), "EVP_DecryptUpdate")
        }
        var plain = [UInt8](repeating: 0, count: body.count + Self.tagSize)
        var written = 0
        if !body.isEmpty {
            try check(EVP_DecryptUpdate(ctx, &plain, &length, body, Int32(body.count)), "EVP_DecryptUpdate")
            written = Int(length)
        }
        try check(
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagSize), &tag),
            "EVP_CIPHER_CTX_ctrl(SET_TAG)"
        )
        let verified = plain.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(ctx, buffer.baseAddress! + written, &length)
        }
        guard verified == 1 else {
            // A tag mismatch is the expected failure here; we drop OpenSSL's queue so it does not
            // leak into the next unrelated call on this thread.
            ERR_clear_error()
            for index in plain.indices { plain[index] = 0 }
            throw CryptoError(function: "AESGCM.open", reason: "authentication failed")
        }
        written += Int(length)
        return Array(plain.prefix(written))
    }

    private static func checkKey(_ key: [UInt8], _ function: String) throws(CryptoError) {
        guard key.count == Self.keySize else {
            throw CryptoError(function: function, reason: "key must be \(Self.keySize) bytes")
        }
    }

    private static func checkLength(_ count: Int, _ function: String) throws(CryptoError) {
        guard count < Int(Int32.max) - Self.tagSize else {
            throw CryptoError(function: function, reason: "input is too large")
        }
    }
}

/// Owns one `EVP_CIPHER_CTX` and frees it (which also wipes its key schedule).
private final class CipherContext {
    let pointer: OpaquePointer

    init() throws(CryptoError) {
        guard let pointer = EVP_CIPHER_CTX_new() else { throw CryptoError.drain("EVP_CIPHER_CTX_new") }
        self.pointer = pointer
    }

    deinit { EVP_CIPHER_CTX_free(self.pointer) }
}
