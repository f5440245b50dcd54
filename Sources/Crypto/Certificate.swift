internal import COpenSSL
public import Foundation

/// An X.509 certificate, parsed once; every field is read at `init`.
///
/// It checks structure and signatures, not trust policy: no expiry, revocation or path
/// building beyond `verify(signedBy:)`.
///
/// `@unchecked Sendable`: the class owns one `X509` that it never mutates after `init`. All
/// fields are copied into Swift values in `init`, which also fills OpenSSL's extension cache
/// (`X509_get_extension_flags`), so later calls (`X509_verify`, `X509_check_issued`, TLS setup)
/// only read. OpenSSL 3 allows concurrent reads of one `X509`; `deinit` frees it once no
/// reference remains. There is no nil or closed state.
public final class Certificate: @unchecked Sendable, CustomStringConvertible {
    let pointer: OpaquePointer
    /// The certificate in DER, as parsed.
    public let der: [UInt8]
    /// The last commonName of the subject, or nil if it has none.
    public let subjectCommonName: String?
    /// The last commonName of the issuer, or nil if it has none.
    public let issuerCommonName: String?
    /// The serial as DER INTEGER content octets (two's complement, minimal).
    public let serialNumber: [UInt8]
    /// Start of validity.
    public let notBefore: Date
    /// End of validity.
    public let notAfter: Date
    /// DNS and IP entries of the subjectAltName extension, in certificate order.
    public let subjectAltNames: [SubjectAltName]
    /// SHA-256 of the DER certificate.
    public let sha256FingerprintBytes: [UInt8]
    /// True if basicConstraints says CA:TRUE.
    public let isCA: Bool
    /// SHA-256 of the DER SubjectPublicKeyInfo (compare with `PrivateKey.publicKeyFingerprint`).
    public let publicKeyFingerprint: [UInt8]

    /// Takes ownership of `pointer` (an `X509`); frees it if reading a field fails.
    init(takingOwnership pointer: OpaquePointer) throws(CertificateError) {
        self.pointer = pointer
        do {
            let flags = X509_get_extension_flags(pointer)
            guard flags & UInt32(EXFLAG_INVALID) == 0 else {
                throw CertificateError(.invalidDER, detail: "malformed or duplicate extensions")
            }
            self.isCA = flags & UInt32(EXFLAG_CA) != 0
            self.der = try derEncode("i2d_X509") { i2d_X509(pointer, $0) }
            self.sha256FingerprintBytes = Hash.sha256(self.der)
            self.subjectCommonName = commonName(X509_get_subject_name(pointer))
            self.issuerCommonName = commonName(X509_get_issuer_name(pointer))
            self.serialNumber = try integerContents(X509_get0_serialNumber(pointer))
            self.notBefore = try date(X509_get0_notBefore(pointer), "notBefore")
            self.notAfter = try date(X509_get0_notAfter(pointer), "notAfter")
            self.subjectAltNames = readSubjectAltNames(pointer)
            guard let publicKey = X509_get0_pubkey(pointer) else {
                throw CertificateError(.invalidDER, detail: "unreadable public key")
            }
            self.publicKeyFingerprint = Hash.sha256(
                try derEncode("i2d_PUBKEY") { i2d_PUBKEY(publicKey, $0) }
            )
        } catch let error as CertificateError {
            ERR_clear_error()
            X509_free(pointer)
            throw error
        } catch let error as CryptoError {
            X509_free(pointer)
            throw .openSSL(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    deinit { X509_free(self.pointer) }

    /// Parses one DER certificate; trailing bytes are an error.
    public convenience init(der: [UInt8]) throws(CertificateError) {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = start
            guard let x509 = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            guard cursor == start + buffer.count else {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let parsed else {
            ERR_clear_error()
            throw CertificateError(.invalidDER, detail: "not a DER X.509 certificate")
        }
        try self.init(takingOwnership: parsed)
    }

    /// Parses the first `CERTIFICATE` block of `pem`.
    public convenience init(pem: String) throws(CertificateError) {
        guard let block = try PEM.decode(pem).first(where: { $0.label == "CERTIFICATE" }) else {
            throw CertificateError(.invalidPEM, detail: "no CERTIFICATE block")
        }
        try self.init(der: block.der)
    }

    /// Every `CERTIFICATE` block of `pem`, in order (leaf first in a TLS chain file).
    /// - Throws: `.invalidPEM` if there is none, or the first block that does not parse.
    public static func chain(pem: String) throws(CertificateError) -> [Certificate] {
        let blocks = try PEM.decode(pem).filter { $0.label == "CERTIFICATE" }
        guard !blocks.isEmpty else {
            throw CertificateError(.invalidPEM, detail: "no CERTIFICATE block")
        }
        var chain: [Certificate] = []
        for block in blocks { chain.append(try Certificate(der: block.der)) }
        return chain
    }

    /// The certificate as one PEM block.
    public var pem: String { PEM.encode(label: "CERTIFICATE", der: self.der) }

    /// The SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it: `AB:CD:…`.
    public var sha256Fingerprint: String {
        self.sha256FingerprintBytes.map { hex([$0]).uppercased() }.joined(separator: ":")
    }

    /// True if `issuer`'s subject is this certificate's issuer, its key identifiers and key
    /// usage allow it to sign, and its public key verifies this certificate's signature.
    /// Validity dates are not checked.
    public func verify(signedBy issuer: Certificate) -> Bool {
        defer { ERR_clear_error() }
        guard X509_check_issued(issuer.pointer, self.pointer) == X509_V_OK,
            let key = X509_get0_pubkey(issuer.pointer)
        else { return false }
        return X509_verify(self.pointer, key) == 1
    }

    /// True if `key` is the private half of this certificate's public key.
    public func matches(_ key: PrivateKey) -> Bool {
        defer { ERR_clear_error() }
        return X509_check_private_key(self.pointer, key.pointer) == 1
    }

    /// True if `date` lies within notBefore…notAfter.
    public func isValid(at date: Date) -> Bool { date >= self.notBefore && date <= self.notAfter }

    /// True if the certificate names `host` in its SAN (or, with no DNS/IP SAN, in its CN).
    public func matches(host: String) -> Bool {
        if self.subjectAltNames.isEmpty {
            return self.subjectCommonName.map { SubjectAltName.dns($0).matches(host: host) }
                ?? false
        }
        return self.subjectAltNames.contains { $0.matches(host: host) }
    }

    public var description: String {
        "Certificate(CN=\(self.subjectCommonName ?? "-"), issuer CN=\(self.issuerCommonName ?? "-"), "
            + "sha256 \(self.sha256Fingerprint))"
    }

    /// Borrowed access to the `X509` for TLS setup inside this module.
    func withUnsafeX509<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try body(self.pointer)
    }
}

/// The last (most specific) commonName of `name` as UTF-8, or nil.
private func commonName(_ name: OpaquePointer?) -> String? {
    guard let name else { return nil }
    var index: Int32 = -1
    var last: Int32 = -1
    while true {
        index = X509_NAME_get_index_by_NID(name, NID_commonName, index)
        if index < 0 { break }
        last = index
    }
    guard last >= 0, let entry = X509_NAME_get_entry(name, last),
        let data = X509_NAME_ENTRY_get_data(entry)
    else { return nil }
    var utf8: UnsafeMutablePointer<UInt8>?
    let length = ASN1_STRING_to_UTF8(&utf8, data)
    guard length >= 0, let utf8 else {
        ERR_clear_error()
        return nil
    }
    defer { mps_OPENSSL_free(utf8) }
    return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
}

/// The content octets of a DER INTEGER as OpenSSL re-encodes it.
private func integerContents(_ integer: UnsafePointer<ASN1_INTEGER>?) throws(CertificateError)
    -> [UInt8]
{
    guard let integer else { throw CertificateError(.invalidDER, detail: "missing serial number") }
    let encoded: [UInt8]
    do {
        encoded = try derEncode("i2d_ASN1_INTEGER") { i2d_ASN1_INTEGER(integer, $0) }
    } catch {
        throw .openSSL(error)
    }
    // Tag 0x02, then a short (< 0x80) or long (0x8n + n bytes) length.
    guard encoded.count >= 3, encoded[0] == 0x02 else {
        throw CertificateError(.invalidDER, detail: "serial number is not an INTEGER")
    }
    let header = encoded[1] < 0x80 ? 2 : 2 + Int(encoded[1] & 0x7f)
    guard header < encoded.count else {
        throw CertificateError(.invalidDER, detail: "serial number is empty")
    }
    return Array(encoded[header...])
}

private func date(_ time: UnsafePointer<ASN1_TIME>?, _ field: String) throws(CertificateError)
    -> Date
{
    var parts = tm()
    guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else {
        ERR_clear_error()
        throw CertificateError(.invalidDER, detail: "unreadable \(field)")
    }
    return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
}

private func readSubjectAltNames(_ x509: OpaquePointer) -> [SubjectAltName] {
    guard let names = mps_X509_get_subject_alt_names(x509) else {
        ERR_clear_error()
        return []
    }
    defer { GENERAL_NAMES_free(names) }
    var result: [SubjectAltName] = []
    for index in 0..<mps_GENERAL_NAMES_count(names) {
        var data: UnsafePointer<UInt8>?
        var length: Int32 = 0
        let type = mps_GENERAL_NAMES_entry(names, index, &data, &length)
        guard let data, length > 0 else { continue }
        let bytes = Array(UnsafeBufferPointer(start: data, count: Int(length)))
        if type == GEN_DNS {
            result.append(.dns(String(decoding: bytes, as: UTF8.self)))
        } else if type == GEN_IPADD, let text = ipAddressText(bytes) {
            result.append(.ipAddress(text))
        }
    }
    return result
}
