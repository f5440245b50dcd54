import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where the HS256 secret comes from: the configured `jwtSecret`, or a 32-byte random file in
/// the data directory created once with mode 0600.
///
/// An existing file is never regenerated or widened: a wrong size, a mode open to group or
/// others, or a non-regular file is an error, so a mistake does not silently log everyone out
/// or leave the secret readable.
public enum JWTSecret {
    public static let size = 32

    /// The configured secret's UTF-8 bytes (used as is, like the reference and Kong do).
    /// - Throws: `AuthError.secret` when shorter than `TokenSigner.minimumSecretBytes`.
    public static func configured(_ text: String) throws(AuthError) -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.count >= TokenSigner.minimumSecretBytes else {
            throw AuthError.secret(
                "jwt_secret must be at least \(TokenSigner.minimumSecretBytes) bytes"
            )
        }
        return bytes
    }

    /// Loads the secret file at `path`, creating it first if it does not exist.
    public static func loadOrCreate(path: String) throws(AuthError) -> [UInt8] {
        if let bytes = try Self.load(path: path) { return bytes }
        try Self.create(path: path)
        guard let bytes = try Self.load(path: path) else {
            throw AuthError.secret("\(path) vanished")
        }
        return bytes
    }

    private static func load(path: String) throws(AuthError) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw AuthError.secret("cannot open \(path): \(Self.errorText())")
        }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw AuthError.secret("\(path) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw AuthError.secret(
                "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); chmod 600 it"
            )
        }
        guard info.st_size == Self.size else {
            throw AuthError.secret("\(path) must hold exactly \(Self.size) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: Self.size)
        var filled = 0
        while filled < Self.size {
            let count = bytes.withUnsafeMutableBytes {
                read(fd, $0.baseAddress! + filled, Self.size - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw AuthError.secret("cannot read \(path)") }
            filled += count
        }
        return bytes
    }

    /// Writes a temporary file (0600, fsynced) and links it into place, so a half-written
    /// secret is never visible and a concurrent creator's file wins.
    private static func create(path: String) throws(AuthError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw AuthError.secret("cannot create directory \(directory)")
        }
        let temporary = "\(path).tmp-\(SecureRandom.hexToken(bytes: 8))"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AuthError.secret("cannot create \(temporary): \(Self.errorText())")
        }
        defer { unlink(temporary) }
        let bytes = SecureRandom.bytes(Self.size)
        var written = 0
        var ok = fchmod(fd, 0o600) == 0
        while ok && written < bytes.count {
            let count = bytes.withUnsafeBytes {
                write(fd, $0.baseAddress! + written, bytes.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            ok = count > 0
            if ok { written += count }
        }
        ok = ok && fsync(fd) == 0
        Glibc.close(fd)
        guard ok else { throw AuthError.secret("cannot write \(temporary): \(Self.errorText())") }
        if link(temporary, path) != 0 && errno != EEXIST {
            throw AuthError.secret("cannot create \(path): \(Self.errorText())")
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
