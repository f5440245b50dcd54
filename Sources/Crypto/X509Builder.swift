internal import COpenSSL
import Foundation

/// Assembles one X.509 v3 certificate and hands it to a `Certificate` once signed.
///
/// Extension values given as text are our own constants; names and SANs from callers are
/// set through typed OpenSSL calls, never spliced into a configuration string.
/// Not Sendable: one builder lives inside one function call.
final class X509Builder {
    /// The certificate under construction; nil once ownership moved to a `Certificate`.
    private var pointer: OpaquePointer?

    init() throws(CertificateError) {
        guard let x509 = X509_new() else { throw .openSSL(CryptoError.drain("X509_new")) }
        self.pointer = x509
        try checked(X509_set_version(x509, 2), "X509_set_version")  // 2 means v3
    }

    deinit { if let pointer = self.pointer { X509_free(pointer) } }

    private var x509: OpaquePointer {
        guard let pointer = self.pointer else { preconditionFailure("X509Builder used after sign") }
        return pointer
    }

    func setSerial(_ contents: [UInt8]) throws(CertificateError) {
        precondition(CertificateSerial.isValid(contents), "serial must be positive and minimal")
        guard let number = BN_bin2bn(contents, Int32(contents.count), nil) else {
            throw .openSSL(CryptoError.drain("BN_bin2bn"))
        }
        defer { BN_free(number) }
        guard let integer = BN_to_ASN1_INTEGER(number, nil) else {
            throw .openSSL(CryptoError.drain("BN_to_ASN1_INTEGER"))
        }
        defer { ASN1_INTEGER_free(integer) }
        try checked(X509_set_serialNumber(self.x509, integer), "X509_set_serialNumber")
    }

    /// Sets the subject to C, O, CN (those given); the issuer too if `selfIssued`.
    func setSubject(
        commonName: String,
        organization: String?,
        country: String?,
        selfIssued: Bool
    ) throws(CertificateError) {
        guard let name = X509_NAME_new() else { throw .openSSL(CryptoError.drain("X509_NAME_new")) }
        defer { X509_NAME_free(name) }
        let entries: [(Int32, String?)] = [
            (NID_countryName, country), (NID_organizationName, organization),
            (NID_commonName, commonName),
        ]
        for (nid, value) in entries {
            guard let value else { continue }
            let bytes = Array(value.utf8)
            try checked(
                X509_NAME_add_entry_by_NID(
                    name,
                    nid,
                    MBSTRING_UTF8,
                    bytes,
                    Int32(bytes.count),
                    -1,
                    0
                ),
                "X509_NAME_add_entry_by_NID"
            )
        }
        try checked(X509_set_subject_name(self.x509, name), "X509_set_subject_name")
        if selfIssued { try checked(X509_set_issuer_name(self.x509, name), "X509_set_issuer_name") }
    }

    func setIssuer(_ issuer: Certificate) throws(CertificateError) {
        try checked(
            X509_set_issuer_name(self.x509, X509_get_subject_name(issuer.pointer)),
            "X509_set_issuer_name"
        )
    }

    func setValidity(notBefore: Date, notAfter: Date) throws(CertificateError) {
        // ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after (RFC 5280 §4.1.2.5).
        guard
            ASN1_TIME_set(X509_getm_notBefore(self.x509), time_t(notBefore.timeIntervalSince1970))
                != nil,
            ASN1_TIME_set(X509_getm_notAfter(self.x509), time_t(notAfter.timeIntervalSince1970))
                != nil
        else { throw .openSSL(CryptoError.drain("ASN1_TIME_set")) }
    }

    func setPublicKey(_ key: PrivateKey) throws(CertificateError) {
        try checked(X509_set_pubkey(self.x509, key.pointer), "X509_set_pubkey")
    }

    /// Adds an extension from one of our constant OpenSSL value strings, for example
    /// `critical,CA:TRUE`. `issuer` is needed for authorityKeyIdentifier (nil: self-issued).
    func addExtension(_ nid: Int32, _ value: StaticString, issuer: Certificate?)
        throws(CertificateError)
    {
        var context = X509V3_CTX()
        let issuerPointer = issuer?.pointer ?? self.x509
        X509V3_set_ctx(&context, issuerPointer, self.x509, nil, nil, 0)
        let text = String(describing: value)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, text) else {
            throw .openSSL(CryptoError.drain("X509V3_EXT_conf_nid"))
        }
        defer { X509_EXTENSION_free(ext) }
        try checked(X509_add_ext(self.x509, ext, -1), "X509_add_ext")
    }

    func addSubjectAltNames(_ names: [SubjectAltName]) throws(CertificateError) {
        guard !names.isEmpty else { return }
        guard let list = GENERAL_NAMES_new() else {
            throw .openSSL(CryptoError.drain("GENERAL_NAMES_new"))
        }
        defer { GENERAL_NAMES_free(list) }
        for name in names {
            let payload = name.payload
            let type: Int32
            switch name {
            case .dns: type = GEN_DNS
            case .ipAddress: type = GEN_IPADD
            }
            guard !payload.isEmpty else {
                throw CertificateError(.invalidName, detail: "empty subjectAltName \(name)")
            }
            try checked(
                mps_GENERAL_NAMES_append(list, type, payload, Int32(payload.count)),
                "GENERAL_NAMES_append"
            )
        }
        try checked(
            X509_add1_ext_i2d(self.x509, NID_subject_alt_name, UnsafeMutableRawPointer(list), 0, 0),
            "X509_add1_ext_i2d"
        )
    }

    /// Signs with `key` over SHA-384 or SHA-256 and gives the result
    /// to a `Certificate`; the builder is spent afterwards.
    func sign(with key: PrivateKey, sha384: Bool) throws(CertificateError) -> Certificate {
        let digest = sha384 ? EVP_sha384() : EVP_sha256()
        guard X509_sign(self.x509, key.pointer, digest) > 0 else {
            throw .openSSL(CryptoError.drain("X509_sign"))
        }
        let x509 = self.x509
        self.pointer = nil
        return try Certificate(takingOwnership: x509)
    }
}
