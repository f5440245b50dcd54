public import Foundation

/// What the TLS listeners present and what operators download.
public struct ServerCertificates: Sendable {
    /// The root operators install in AMT (exported by the root-certificate API).
    public let root: Certificate
    /// The certificate the listeners present (first of `chain`).
    public let server: Certificate
    /// The private key of `server`.
    public let serverKey: PrivateKey
    /// What TLS presents: the server certificate first, then its issuers up to the root.
    public let chain: [Certificate]
    /// True if the root and server certificates were created on this start.
    public let generatedAll: Bool
    /// True if the server certificate alone was (re)issued on this start; see `notes`.
    public let regeneratedServer: Bool
    /// Events the caller should log at start: why a certificate was issued, lax file modes.
    public let notes: [String]

    /// The chain as PEM, leaf first (B17: it verifies to `rootPEM`).
    public var chainPEM: String { self.chain.map(\.pem).joined() }
    /// The root as PEM, for the root-certificate download.
    public var rootPEM: String { self.root.pem }
}

/// The server's certificate policy at start.
///
/// It never replaces a root silently: devices trust the root, so a new one would cut every
/// device off. Any file that exists but is unreadable, malformed, mismatched or not signed by
/// the root is an error naming that file, and nothing is written.
public enum CertificateManager {
    /// A managed server certificate this close to notAfter is reissued at start.
    public static let renewalWindow: TimeInterval = 30 * 86_400
    /// Size of a generated root key.
    public static let rootKeyBits = 3072
    /// Size of a generated server key (AMT needs RSA; 2048 bits is what it handles best).
    public static let serverKeyBits = 2048

    /// Loads the four files from `directory`, creating what is missing. `organization` and
    /// `country` go into a newly generated root only.
    ///
    /// - No files: a new RSA-3072 root and an RSA-2048 server certificate for `commonName`,
    ///   written as `root-cert.pem`, `root-key.pem`, `server-cert.pem`, `server-key.pem`
    ///   (keys 0600; the directory 0700 if we create it).
    /// - Root present, both server files absent: a new server key and certificate.
    /// - All present: loaded and checked. If the server certificate does not name
    ///   `commonName` (CN and SAN) plus every entry of `subjectAltNames`, or expires within
    ///   `renewalWindow`, only `server-cert.pem` is reissued, keeping the server key.
    /// - Throws: `CertificateError` naming the file when one of a pair is missing, a file is
    ///   unreadable or unparsable, a key does not match its certificate, the server
    ///   certificate does not verify against the root, or the root has expired.
    public static func loadOrGenerate(
        directory: URL,
        commonName: String,
        subjectAltNames: [SubjectAltName] = [],
        organization: String? = nil,
        country: String? = nil,
        now: Date = Date()
    ) throws(CertificateError) -> ServerCertificates {
        let files = CertificateFiles(directory: directory)
        try CertificateFiles.createDirectoryIfNeeded(directory)
        if !files.all.contains(where: CertificateFiles.exists) {
            return try generateAll(
                files,
                commonName: commonName,
                subjectAltNames: subjectAltNames,
                organization: organization,
                country: country,
                now: now
            )
        }
        let (root, rootKey) = try loadRoot(files, now: now)
        let notes = laxModeNotes(files)
        let serverKey: PrivateKey
        let reason: String
        if !CertificateFiles.exists(files.serverCertificate)
            && !CertificateFiles.exists(files.serverKey)
        {
            serverKey = try generateKey(bits: serverKeyBits)
            reason = "server certificate files were missing"
        } else {
            let (loaded, key) = try loadServer(files, root: root)
            let why = reissueReason(
                loaded,
                commonName: commonName,
                subjectAltNames: subjectAltNames,
                now: now
            )
            guard let why else {
                return ServerCertificates(
                    root: root,
                    server: loaded,
                    serverKey: key,
                    chain: [loaded, root],
                    generatedAll: false,
                    regeneratedServer: false,
                    notes: notes
                )
            }
            serverKey = key
            reason = why
        }
        // Issue before writing anything, so a refused name leaves the directory untouched.
        let server = try CertificateAuthority.issueServer(
            commonName: commonName,
            subjectAltNames: subjectAltNames,
            key: serverKey,
            issuer: root,
            issuerKey: rootKey,
            now: now
        )
        if !CertificateFiles.exists(files.serverKey) {
            try CertificateFiles.writeAtomically(
                serverKey.pemPKCS8(),
                to: files.serverKey,
                mode: CertificateFiles.keyMode
            )
        }
        try CertificateFiles.writeAtomically(
            server.pem,
            to: files.serverCertificate,
            mode: CertificateFiles.certificateMode
        )
        return ServerCertificates(
            root: root,
            server: server,
            serverKey: serverKey,
            chain: [server, root],
            generatedAll: false,
            regeneratedServer: true,
            notes: notes + ["issued a new server certificate for \(commonName): \(reason)"]
        )
    }

    /// A certificate and its key: both present, readable, and matching.
    private static func loadMatchingPair(
        _ certificateFile: URL,
        _ keyFile: URL
    ) throws(CertificateError) -> (Certificate, PrivateKey) {
        try requirePair(certificateFile, keyFile)
        let certificate = try load(certificateFile, Certificate.init(pem:))
        let key = try load(keyFile, PrivateKey.init(pem:))
        guard certificate.matches(key) else {
            throw CertificateError(
                .keyMismatch,
                path: keyFile.path,
                detail: "does not match \(certificateFile.lastPathComponent)"
            )
        }
        return (certificate, key)
    }

    /// The root pair, checked: present together, matching, a self-signed CA, not expired.
    private static func loadRoot(
        _ files: CertificateFiles,
        now: Date
    ) throws(CertificateError) -> (Certificate, PrivateKey) {
        let (root, rootKey) = try loadMatchingPair(files.rootCertificate, files.rootKey)
        guard root.isCA, root.verify(signedBy: root) else {
            throw CertificateError(
                .chainDoesNotVerify,
                path: files.rootCertificate.path,
                detail: "not a self-signed CA"
            )
        }
        guard root.notAfter > now else {
            throw CertificateError(
                .expired,
                path: files.rootCertificate.path,
                detail:
                    "expired \(root.notAfter); devices trust this root, so replace it deliberately"
            )
        }
        return (root, rootKey)
    }

    /// The server pair, checked: present together, matching, signed by `root`.
    private static func loadServer(
        _ files: CertificateFiles,
        root: Certificate
    ) throws(CertificateError) -> (Certificate, PrivateKey) {
        let (server, serverKey) = try loadMatchingPair(files.serverCertificate, files.serverKey)
        guard server.verify(signedBy: root) else {
            throw CertificateError(
                .chainDoesNotVerify,
                path: files.serverCertificate.path,
                detail: "not signed by root-cert.pem"
            )
        }
        return (server, serverKey)
    }

    private static func generateAll(
        _ files: CertificateFiles,
        commonName: String,
        subjectAltNames: [SubjectAltName],
        organization: String?,
        country: String?,
        now: Date
    ) throws(CertificateError) -> ServerCertificates {
        // Validate the name before the slow key generation.
        _ = try SubjectAltName.forHost(commonName)
        let rootKey = try generateKey(bits: rootKeyBits)
        let root = try CertificateAuthority.makeRoot(
            organization: organization,
            country: country,
            key: rootKey,
            now: now
        )
        let serverKey = try generateKey(bits: serverKeyBits)
        let server = try CertificateAuthority.issueServer(
            commonName: commonName,
            subjectAltNames: subjectAltNames,
            key: serverKey,
            issuer: root,
            issuerKey: rootKey,
            now: now
        )
        let writes: [(String, URL, mode_t)] = [
            (rootKey.pemPKCS8(), files.rootKey, CertificateFiles.keyMode),
            (root.pem, files.rootCertificate, CertificateFiles.certificateMode),
            (serverKey.pemPKCS8(), files.serverKey, CertificateFiles.keyMode),
            (server.pem, files.serverCertificate, CertificateFiles.certificateMode),
        ]
        for (text, url, mode) in writes {
            try CertificateFiles.writeAtomically(text, to: url, mode: mode)
        }
        return ServerCertificates(
            root: root,
            server: server,
            serverKey: serverKey,
            chain: [server, root],
            generatedAll: true,
            regeneratedServer: false,
            notes: [
                "generated a new root \(root.subjectCommonName ?? "") and server certificate for \(commonName)"
            ]
        )
    }

    /// Why a loaded server certificate must be reissued, or nil if it is fine.
    static func reissueReason(
        _ server: Certificate,
        commonName: String,
        subjectAltNames: [SubjectAltName],
        now: Date
    ) -> String? {
        let cnMatches = server.subjectCommonName?.lowercased() == commonName.lowercased()
        guard cnMatches, server.subjectAltNames.contains(where: { $0.matches(host: commonName) })
        else {
            return
                "its name \(server.subjectCommonName ?? "(none)") differs from the configured \(commonName)"
        }
        for wanted in subjectAltNames where !server.subjectAltNames.contains(wanted) {
            return "it lacks the subjectAltName \(wanted)"
        }
        if server.notAfter < now + renewalWindow { return "it expires on \(server.notAfter)" }
        return nil
    }

    private static func requirePair(_ certificate: URL, _ key: URL) throws(CertificateError) {
        for (present, missing) in [(certificate, key), (key, certificate)]
        where CertificateFiles.exists(present) && !CertificateFiles.exists(missing) {
            throw CertificateError(
                .missingFile,
                path: missing.path,
                detail: "\(present.lastPathComponent) exists without it"
            )
        }
        if !CertificateFiles.exists(certificate) {
            throw CertificateError(
                .missingFile,
                path: certificate.path,
                detail: "server files exist without the root that signed them"
            )
        }
    }

    static func load<T>(_ url: URL, _ parse: (String) throws(CertificateError) -> T)
        throws(CertificateError) -> T
    {
        do {
            return try parse(try CertificateFiles.readText(url))
        } catch {
            throw error.naming(url.path)
        }
    }

    private static func generateKey(bits: Int) throws(CertificateError) -> PrivateKey {
        try PrivateKey.generateRSA(bits: bits)
    }

    private static func laxModeNotes(_ files: CertificateFiles) -> [String] {
        var notes: [String] = [files.rootKey, files.serverKey].compactMap { url in
            guard let mode = CertificateFiles.mode(of: url), mode & 0o077 != 0 else { return nil }
            return "\(url.lastPathComponent) is accessible to group or others"
                + " (mode \(String(mode, radix: 8))); expected 600"
        }
        if let mode = CertificateFiles.mode(of: files.directory), mode & 0o022 != 0 {
            notes.append(
                "certificate directory \(files.directory.path) is writable by group or others"
                    + " (mode \(String(mode, radix: 8)))"
            )
        }
        return notes
    }
}
