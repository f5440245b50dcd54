internal import COpenSSL
public import Foundation

/// Issues the two certificates the server needs: a self-signed root that operators install in
/// AMT, and a server certificate signed directly by it (no intermediate, as AMT expects).
///
/// It does not keep state, revoke, or publish CRLs; the keyUsage cRLSign bit is set only so
/// the root stays a conventional CA.
public enum CertificateAuthority {
    /// Longest server certificate we issue. AMT does not enforce the 398-day browser rule, but
    /// Apple platforms refuse TLS server certificates valid for more than 825 days even under
    /// a private root, and the web UI shares this certificate; so we stop at 825.
    public static let maximumServerValidityDays = 825
    /// Longest root validity we accept.
    public static let maximumRootValidityYears = 30

    private static let day: TimeInterval = 86_400

    /// A self-signed CA certificate for `key`, with CN `<prefix>-<first 6 hex of the key's
    /// SHA-256 public-key fingerprint>`, basicConstraints CA:TRUE and keyUsage
    /// keyCertSign+cRLSign (both critical), a subjectKeyIdentifier and a SHA-384 signature.
    /// Valid from `now` − 1 day for `validityYears` × 365 days.
    /// - Parameters:
    ///   - organization: the O attribute, omitted if nil (1–64 characters).
    ///   - country: the C attribute, omitted if nil (two ASCII letters, ISO 3166).
    /// - Throws: `.invalidParameter` or `.invalidName` for bad arguments, `.unsupportedKey` if
    ///   `key` is not RSA of at least 2048 bits.
    public static func makeRoot(
        commonNamePrefix: String = "MPSRoot",
        organization: String? = nil,
        country: String? = nil,
        key: PrivateKey,
        validityYears: Int = 20,
        now: Date = Date()
    ) throws(CertificateError) -> Certificate {
        try requireRSA(key, role: "root")
        guard (1...maximumRootValidityYears).contains(validityYears) else {
            throw CertificateError(
                .invalidParameter,
                detail: "root validity \(validityYears) years"
            )
        }
        let commonName = "\(commonNamePrefix)-\(hex(key.publicKeyFingerprint.prefix(3)))"
        try requireAttribute(commonName, "common name")
        if let organization { try requireAttribute(organization, "organization") }
        if let country {
            let isCode =
                country.utf8.count == 2
                && country.utf8.allSatisfy {
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0 & 0xdf)
                }
            guard isCode else {
                throw CertificateError(.invalidName, detail: "country must be two letters")
            }
        }

        let builder = try X509Builder()
        try builder.setSerial(CertificateSerial.random())
        try builder.setSubject(
            commonName: commonName,
            organization: organization,
            country: country,
            selfIssued: true
        )
        try builder.setValidity(
            notBefore: now - day,
            notAfter: now + TimeInterval(validityYears) * 365 * day
        )
        try builder.setPublicKey(key)
        try builder.addExtension(NID_basic_constraints, "critical,CA:TRUE", issuer: nil)
        try builder.addExtension(NID_key_usage, "critical,keyCertSign,cRLSign", issuer: nil)
        try builder.addExtension(NID_subject_key_identifier, "hash", issuer: nil)
        let root = try builder.sign(with: key, sha384: true)
        guard root.verify(signedBy: root) else {
            throw CertificateError(.chainDoesNotVerify, detail: "new root does not verify itself")
        }
        return root
    }

    /// A TLS server certificate for `commonName`, signed by `issuer`.
    ///
    /// The SAN always holds the common name, as an IP entry if it is an IPv4/IPv6 literal and
    /// a DNS entry otherwise (AMT and browsers match the SAN, not the CN), followed by
    /// `subjectAltNames` (for example `.dns("localhost")`, `.ipAddress("127.0.0.1")`).
    /// Extensions: basicConstraints CA:FALSE, keyUsage digitalSignature+keyEncipherment
    /// (critical), extendedKeyUsage serverAuth, subject and authority key identifiers.
    /// Signed with SHA-256, which every AMT firmware generation verifies. Valid from `now` −
    /// 1 day for `validityDays`, never past the issuer's own notAfter.
    /// - Throws: `.invalidName` for a common name that is neither a host name nor an address,
    ///   `.unsupportedKey` unless `key` is RSA ≥ 2048 (AMT needs RSA), `.keyMismatch` if
    ///   `issuerKey` does not belong to `issuer`, `.invalidParameter` if `issuer` is not a CA
    ///   or `validityDays` is outside 1…825.
    public static func issueServer(
        commonName: String,
        subjectAltNames: [SubjectAltName] = [],
        key: PrivateKey,
        issuer: Certificate,
        issuerKey: PrivateKey,
        validityDays: Int = maximumServerValidityDays,
        now: Date = Date()
    ) throws(CertificateError) -> Certificate {
        try requireRSA(key, role: "server")
        guard (1...maximumServerValidityDays).contains(validityDays) else {
            throw CertificateError(
                .invalidParameter,
                detail: "server validity \(validityDays) days"
            )
        }
        guard issuer.isCA else {
            throw CertificateError(.invalidParameter, detail: "issuer is not a CA")
        }
        guard issuer.matches(issuerKey) else {
            throw CertificateError(.keyMismatch, detail: "issuer key does not belong to the issuer")
        }
        try requireAttribute(commonName, "common name")
        var names = [try SubjectAltName.forHost(commonName)]
        for name in subjectAltNames where !names.contains(name) {
            // Re-validate through forHost so a caller cannot smuggle in a malformed entry.
            switch name {
            case .dns(let host), .ipAddress(let host):
                let checked = try SubjectAltName.forHost(host)
                if !names.contains(checked) { names.append(checked) }
            }
        }

        let builder = try X509Builder()
        try builder.setSerial(CertificateSerial.random())
        try builder.setSubject(
            commonName: commonName,
            organization: nil,
            country: nil,
            selfIssued: false
        )
        try builder.setIssuer(issuer)
        let notAfter = min(now + TimeInterval(validityDays) * day, issuer.notAfter)
        try builder.setValidity(notBefore: now - day, notAfter: notAfter)
        try builder.setPublicKey(key)
        try builder.addExtension(NID_basic_constraints, "CA:FALSE", issuer: issuer)
        try builder.addExtension(
            NID_key_usage,
            "critical,digitalSignature,keyEncipherment",
            issuer: issuer
        )
        try builder.addExtension(NID_ext_key_usage, "serverAuth", issuer: issuer)
        try builder.addExtension(NID_subject_key_identifier, "hash", issuer: issuer)
        try builder.addExtension(NID_authority_key_identifier, "keyid:always", issuer: issuer)
        try builder.addSubjectAltNames(names)
        let server = try builder.sign(with: issuerKey, sha384: false)
        guard server.verify(signedBy: issuer) else {
            throw CertificateError(
                .chainDoesNotVerify,
                detail: "new server certificate does not verify"
            )
        }
        return server
    }

    private static func requireRSA(_ key: PrivateKey, role: String) throws(CertificateError) {
        guard key.isRSA, key.bitCount >= 2048 else {
            throw CertificateError(
                .unsupportedKey,
                detail: "\(role) key must be RSA of 2048 bits or more"
            )
        }
    }

    /// X.520 caps CN and O at 64 characters; we also refuse control characters.
    private static func requireAttribute(_ value: String, _ what: String) throws(CertificateError) {
        let ok =
            (1...64).contains(value.count)
            && !value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
        guard ok else {
            throw CertificateError(
                .invalidName,
                detail: "\(what) must be 1–64 printable characters"
            )
        }
    }
}
