import Crypto
import Foundation
import Testing

/// Keys and certificates shared by the certificate tests: RSA generation is slow, so each is
/// made once per test process (Swift's lazy statics are initialised exactly once).
enum Fixture {
    struct Material: Sendable {
        let rootKey: PrivateKey
        let serverKey: PrivateKey
        let root: Certificate
    }

    static let material: Result<Material, CertificateError> = Result {
        () throws(CertificateError) in
        let rootKey = try PrivateKey.generateRSA(bits: 2048)
        let serverKey = try PrivateKey.generateRSA(bits: 2048)
        let root = try CertificateAuthority.makeRoot(
            organization: "Test Org",
            country: "US",
            key: rootKey
        )
        return Material(rootKey: rootKey, serverKey: serverKey, root: root)
    }

    /// One directory populated by a real first start of `CertificateManager`.
    struct Managed: Sendable {
        let directory: URL
        let result: ServerCertificates
    }

    static let managedCommonName = "mps.example.test"
    /// Removed when the test process exits.
    static let managedParent = TempDirectory.make()

    static let managed: Result<Managed, CertificateError> = Result { () throws(CertificateError) in
        // A subdirectory that does not exist yet, so the manager creates it (0700).
        let directory = managedParent.appendingPathComponent("certs")
        atexit { TempDirectory.remove(Fixture.managedParent) }
        let result = try CertificateManager.loadOrGenerate(
            directory: directory,
            commonName: managedCommonName,
            organization: "Example Ops",
            country: "DE"
        )
        return Managed(directory: directory, result: result)
    }
}

enum TempDirectory {
    /// A fresh directory under the system temp dir. Tests remove what they create.
    static func make() -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mps-certs-\(SecureRandom.hexToken(bytes: 8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh directory holding a copy of the managed fixture's four files.
    static func copyOfManaged() throws -> URL {
        let source = try Fixture.managed.get().directory
        let target = make()
        for name in ["root-cert.pem", "root-key.pem", "server-cert.pem", "server-key.pem"] {
            try FileManager.default.copyItem(
                at: source.appendingPathComponent(name),
                to: target.appendingPathComponent(name)
            )
        }
        return target
    }

    static func remove(_ url: URL) { try? FileManager.default.removeItem(at: url) }
}

/// Runs `/usr/bin/openssl` with `arguments`; nil if OpenSSL's CLI is not installed.
func runOpenSSL(_ arguments: [String]) throws -> (status: Int32, output: String)? {
    let tool = "/usr/bin/openssl"
    guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Writes `text` to a new file in `directory` and returns its path.
func writeFile(_ text: String, named name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Reads the serial's raw content octets straight from certificate DER, without OpenSSL,
/// so the test sees exactly what a strict parser would:
/// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serial INTEGER, … } }
func rawSerial(fromDER der: [UInt8]) -> [UInt8]? {
    var reader = DERReader(bytes: der[...])
    guard let certificate = reader.next(tag: 0x30) else { return nil }
    var certificateReader = DERReader(bytes: certificate)
    guard let tbs = certificateReader.next(tag: 0x30) else { return nil }
    var tbsReader = DERReader(bytes: tbs)
    if tbsReader.peekTag == 0xA0 { _ = tbsReader.next(tag: 0xA0) }
    return tbsReader.next(tag: 0x02).map(Array.init)
}

struct DERReader {
    var bytes: ArraySlice<UInt8>

    var peekTag: UInt8? { self.bytes.first }

    /// The contents of the next element if it has `tag`.
    mutating func next(tag: UInt8) -> ArraySlice<UInt8>? {
        guard self.bytes.count >= 2, self.bytes.first == tag else { return nil }
        var index = self.bytes.startIndex + 1
        var length = Int(self.bytes[index])
        index += 1
        if length >= 0x80 {
            let count = length & 0x7f
            guard count >= 1, count <= 3, self.bytes.endIndex - index >= count else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(self.bytes[index])
                index += 1
            }
        }
        guard self.bytes.endIndex - index >= length else { return nil }
        let contents = self.bytes[index..<index + length]
        self.bytes = self.bytes[(index + length)...]
        return contents
    }
}

/// Bytes, inode and modification time of a file, to prove it was not rewritten.
struct FileSnapshot: Equatable {
    let bytes: Data
    let inode: UInt64
    let modified: Int

    init(_ url: URL) throws {
        self.bytes = try Data(contentsOf: url)
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw CocoaError(.fileReadUnknown) }
        self.inode = UInt64(info.st_ino)
        self.modified = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
    }
}
