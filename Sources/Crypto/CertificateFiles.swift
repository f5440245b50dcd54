public import Foundation

/// The four PEM files the server keeps in its certificate directory, and how we read and
/// write them: bounded reads, and writes that create a fresh file (O_CREAT|O_EXCL, exact
/// mode), fsync it and rename it into place, so a crash never leaves a half-written key.
public struct CertificateFiles: Sendable, Equatable {
    /// The certificate directory.
    public let directory: URL
    /// The root certificate operators install in AMT.
    public var rootCertificate: URL { self.directory.appendingPathComponent("root-cert.pem") }
    /// The root private key (0600).
    public var rootKey: URL { self.directory.appendingPathComponent("root-key.pem") }
    /// The server certificate presented on the CIRA and web listeners.
    public var serverCertificate: URL { self.directory.appendingPathComponent("server-cert.pem") }
    /// The server private key (0600).
    public var serverKey: URL { self.directory.appendingPathComponent("server-key.pem") }

    /// Mode of private key files.
    public static let keyMode: mode_t = 0o600
    /// Mode of certificate files (public data).
    public static let certificateMode: mode_t = 0o644
    /// Mode of a certificate directory we create.
    public static let directoryMode: mode_t = 0o700

    /// The file names inside `directory`; nothing is read or created.
    public init(directory: URL) {
        self.directory = directory
    }

    /// All four files, in the order we write them.
    public var all: [URL] {
        [self.rootKey, self.rootCertificate, self.serverKey, self.serverCertificate]
    }

    /// True if something (file, directory, dangling link) exists at `url`.
    static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    /// Creates the directory with mode 0700 if it does not exist yet.
    static func createDirectoryIfNeeded(_ url: URL) throws(CertificateError) {
        var info = stat()
        if stat(url.path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw CertificateError(.writeFailed, path: url.path, detail: "not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: url,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: Int(directoryMode)]
            )
        } catch {
            throw CertificateError(.writeFailed, path: url.path, detail: "cannot create directory")
        }
    }

    /// The whole text of a regular file of at most `PEM.maximumLength` bytes.
    static func readText(_ url: URL) throws(CertificateError) -> String {
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CertificateError(
                errno == ENOENT ? .missingFile : .unreadableFile,
                path: path,
                detail: errnoText()
            )
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CertificateError(.unreadableFile, path: path, detail: errnoText())
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw CertificateError(.unreadableFile, path: path, detail: "not a regular file")
        }
        guard info.st_size <= off_t(PEM.maximumLength) else {
            throw CertificateError(
                .unreadableFile,
                path: path,
                detail: "larger than \(PEM.maximumLength) bytes"
            )
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        // Bounded: each pass reads at least one byte or ends the loop.
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                read(fd, $0.baseAddress! + filled, $0.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                throw CertificateError(
                    .unreadableFile,
                    path: path,
                    detail: count == 0 ? "file shrank" : errnoText()
                )
            }
            filled += count
        }
        defer { cleanse(&bytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CertificateError(.invalidPEM, path: path, detail: "not UTF-8 text")
        }
        return text
    }

    /// Writes `text` to `url` through a temporary file created with `mode`, then renames it.
    static func writeAtomically(_ text: String, to url: URL, mode: mode_t) throws(CertificateError)
    {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(
                ".\(url.lastPathComponent).\(SecureRandom.hexToken(bytes: 6)).tmp"
            )
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw CertificateError(.writeFailed, path: url.path, detail: errnoText())
        }
        var ok = false
        defer {
            if !ok { unlink(temporary.path) }
        }
        do {
            defer { close(fd) }
            // The umask may have removed bits; it never adds any, so fchmod only restores.
            guard fchmod(fd, mode) == 0 else {
                throw CertificateError(.writeFailed, path: url.path, detail: errnoText())
            }
            var bytes = Array(text.utf8)
            defer { cleanse(&bytes) }
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes {
                    write(fd, $0.baseAddress! + written, $0.count - written)
                }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    throw CertificateError(.writeFailed, path: url.path, detail: errnoText())
                }
                written += count
            }
            guard fsync(fd) == 0 else {
                throw CertificateError(.writeFailed, path: url.path, detail: errnoText())
            }
        }
        guard rename(temporary.path, url.path) == 0 else {
            throw CertificateError(.writeFailed, path: url.path, detail: errnoText())
        }
        ok = true
        // Make the rename itself durable.
        let directory = open(
            url.deletingLastPathComponent().path,
            O_RDONLY | O_DIRECTORY | O_CLOEXEC
        )
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Permission bits of `url`, or nil if it cannot be examined.
    static func mode(of url: URL) -> mode_t? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }
