import Foundation

/// One `-----BEGIN label-----` … `-----END label-----` block of a PEM text, decoded to DER.
public struct PEMBlock: Sendable, Equatable {
    /// The text between `BEGIN ` and the dashes, such as `CERTIFICATE`.
    public let label: String
    /// The decoded contents.
    public let der: [UInt8]
    /// True if the block carried RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED`.
    public let hasHeaders: Bool

    /// A block with the given contents.
    public init(label: String, der: [UInt8], hasHeaders: Bool = false) {
        self.label = label
        self.der = der
        self.hasHeaders = hasHeaders
    }
}

/// Textual encoding of DER objects (RFC 7468).
///
/// Text outside blocks is ignored, as RFC 7468 §2 allows (for example `openssl x509 -text`
/// output above a certificate). It does not decrypt anything: legacy encrypted blocks are
/// reported through `hasHeaders` so callers can refuse them.
public enum PEM {
    /// Upper bound on one PEM text; certificate and key files are a few kilobytes.
    public static let maximumLength = 1 << 20

    /// Every block in `text`, in order.
    /// - Throws: `CertificateError.invalidPEM` for an unterminated or mismatched block, bad
    ///   base64, or a text longer than `maximumLength`.
    public static func decode(_ text: String) throws(CertificateError) -> [PEMBlock] {
        guard text.utf8.count <= maximumLength else {
            throw CertificateError(.invalidPEM, detail: "text longer than \(maximumLength) bytes")
        }
        var blocks: [PEMBlock] = []
        var label: String?
        var body = ""
        var hasHeaders = false
        var lineNumber = 0
        // Character.isNewline covers "\n", "\r" and "\r\n" (one Character in Swift).
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard let open = label else {
                if let found = boundary(line, kind: "BEGIN") {
                    label = found
                    body = ""
                    hasHeaders = false
                }
                continue
            }
            if line.hasPrefix("-----") {
                guard boundary(line, kind: "END") == open else {
                    throw CertificateError(
                        .invalidPEM,
                        detail: "line \(lineNumber): expected END \(open)"
                    )
                }
                guard let data = Data(base64Encoded: body), !data.isEmpty else {
                    throw CertificateError(.invalidPEM, detail: "bad base64 in \(open) block")
                }
                blocks.append(PEMBlock(label: open, der: Array(data), hasHeaders: hasHeaders))
                label = nil
                body = ""
            } else if line.contains(":") {
                hasHeaders = true
            } else {
                body += line
            }
        }
        if let open = label {
            throw CertificateError(.invalidPEM, detail: "\(open) block has no END line")
        }
        return blocks
    }

    /// `der` as a PEM block with 64-column lines and a final newline.
    public static func encode(label: String, der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString()
        var out = "-----BEGIN \(label)-----\n"
        var index = base64.startIndex
        while index < base64.endIndex {
            let end =
                base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            out += base64[index..<end]
            out += "\n"
            index = end
        }
        out += "-----END \(label)-----\n"
        return out
    }

    /// The label of a `-----BEGIN X-----` / `-----END X-----` line, or nil.
    private static func boundary(_ line: String, kind: String) -> String? {
        let prefix = "-----\(kind) ", suffix = "-----"
        guard line.hasPrefix(prefix), line.hasSuffix(suffix),
            line.count > prefix.count + suffix.count
        else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(suffix.count))
    }
}
