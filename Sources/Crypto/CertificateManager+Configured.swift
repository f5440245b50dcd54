public import Foundation

extension ServerCertificates {
    /// Uses operator-supplied files as they are: nothing is generated or written.
    ///
    /// The chain is presented as given (leaf first). The exported root is the first
    /// certificate of `caPath` that signed the chain's last certificate (or is it), or, with
    /// no CA file, the chain's last certificate.
    /// - Throws: `CertificateError` naming the file when a file cannot be read or parsed, the
    ///   key does not match the leaf, a chain link does not verify, or no CA certificate
    ///   signed the chain (B17: devices must be able to verify it to the exported root).
    public static func fromConfiguredFiles(
        certPath: String,
        keyPath: String,
        caPath: String? = nil,
        now: Date = Date()
    ) throws(CertificateError) -> ServerCertificates {
        let certURL = URL(fileURLWithPath: certPath)
        let chain = try CertificateManager.load(certURL, Certificate.chain(pem:))
        let key = try CertificateManager.load(URL(fileURLWithPath: keyPath), PrivateKey.init(pem:))
        let leaf = chain[0]
        guard leaf.matches(key) else {
            throw CertificateError(
                .keyMismatch,
                path: keyPath,
                detail: "does not match the first certificate of \(certPath)"
            )
        }
        for index in chain.indices.dropLast() where !chain[index].verify(signedBy: chain[index + 1])
        {
            throw CertificateError(
                .chainDoesNotVerify,
                path: certPath,
                detail: "certificate \(index + 1) is not signed by certificate \(index + 2)"
            )
        }
        let last = chain[chain.count - 1]
        var root = last
        if let caPath {
            let candidates = try CertificateManager.load(
                URL(fileURLWithPath: caPath),
                Certificate.chain(pem:)
            )
            let signer = candidates.first {
                $0.sha256FingerprintBytes == last.sha256FingerprintBytes
                    || last.verify(signedBy: $0)
            }
            guard let signer else {
                throw CertificateError(
                    .chainDoesNotVerify,
                    path: caPath,
                    detail: "no certificate here signed the chain in \(certPath)"
                )
            }
            root = signer
        }
        var notes: [String] = []
        if !root.isCA {
            notes.append(
                "the exported root \(root.subjectCommonName ?? "(no CN)") is not a CA certificate"
            )
        }
        if !leaf.isValid(at: now) {
            notes.append(
                "the server certificate is outside its validity (\(leaf.notBefore) to \(leaf.notAfter))"
            )
        }
        return ServerCertificates(
            root: root,
            server: leaf,
            serverKey: key,
            chain: chain,
            generatedAll: false,
            regeneratedServer: false,
            notes: notes
        )
    }
}
