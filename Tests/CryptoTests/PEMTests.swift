import Crypto
import Testing

@Suite struct PEMTests {
    /// Encoding then decoding gives back the label and the exact bytes, with 64-column lines.
    @Test func roundTripsBytesAndLabel() throws {
        let der = (0..<200).map { UInt8($0) }
        let text = PEM.encode(label: "CERTIFICATE", der: der)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "-----BEGIN CERTIFICATE-----")
        #expect(lines.last == "-----END CERTIFICATE-----")
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.count <= 64 })
        #expect(lines[1].count == 64)
        #expect(
            try PEM.decode(text) == [PEMBlock(label: "CERTIFICATE", der: der, hasHeaders: false)]
        )
    }

    /// Explanatory text, CRLF line ends and several blocks are all accepted, in order.
    @Test func acceptsTextAroundBlocksAndCRLF() throws {
        let a = PEM.encode(label: "CERTIFICATE", der: [1, 2, 3])
        let b = PEM.encode(label: "PRIVATE KEY", der: [4, 5])
        let text = "Subject: CN=x\n" + a.replacingOccurrences(of: "\n", with: "\r\n") + "junk\n" + b
        let blocks = try PEM.decode(text)
        #expect(blocks.map(\.label) == ["CERTIFICATE", "PRIVATE KEY"])
        #expect(blocks.map(\.der) == [[1, 2, 3], [4, 5]])
    }

    /// A block without END, with the wrong END label, or with bad base64 is an invalidPEM error.
    @Test(arguments: [
        "-----BEGIN CERTIFICATE-----\nAQID\n",
        "-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nA*QID\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    ])
    func rejectsMalformedBlocks(text: String) {
        #expect { try PEM.decode(text) } throws: {
            ($0 as? CertificateError)?.reason == .invalidPEM
        }
    }

    /// RFC 1421 headers (legacy encrypted keys) are flagged, not silently decoded as data.
    @Test func flagsHeaders() throws {
        let text =
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
            + "AQID\n-----END RSA PRIVATE KEY-----\n"
        let blocks = try PEM.decode(text)
        #expect(blocks.count == 1)
        #expect(blocks[0].hasHeaders)
    }

    /// Text with no block decodes to nothing; text beyond the size bound is refused.
    @Test func emptyAndOversizedInput() {
        #expect((try? PEM.decode("hello")) == [])
        let huge = String(repeating: "A", count: PEM.maximumLength + 1)
        #expect(throws: CertificateError.self) { try PEM.decode(huge) }
    }
}
