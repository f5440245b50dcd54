import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why the master key could not be loaded or created. Names the file, never the key.
public struct MasterKeyError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "master key: \(self.message)" }
}

/// The 256-bit key that encrypts stored AMT passwords (AES-256-GCM).
///
/// Its description never shows the key. It does not rotate keys or re-encrypt rows: losing the
/// file makes every stored AMT password unreadable, which is why we never regenerate silently.
public struct MasterKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let size = 32
    let bytes: [UInt8]

    /// A key from exactly 32 bytes.
    public init(bytes: [UInt8]) throws(MasterKeyError) {
        guard bytes.count == Self.size else { throw MasterKeyError("a key must be \(Self.size) bytes") }
        self.bytes = bytes
    }

    /// A key given as text (for example `MPS_MASTER_KEY`): 64 hex digits or base64 of 32 bytes.
    public init(encoded: String) throws(MasterKeyError) {
        let text = encoded.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.utf8.count == 64, let bytes = Self.decodeHex(text) {
            self.bytes = bytes
        } else if let data = Data(base64Encoded: text), data.count == Self.size {
            self.bytes = Array(data)
        } else {
            throw MasterKeyError("the configured key must be 64 hex digits or base64 of 32 bytes")
        }
    }

    /// A new random key (not saved anywhere).
    public static func random() -> MasterKey {
        // 32 bytes from the CSPRNG always make a valid key.
        try! MasterKey(bytes: SecureRandom.bytes(Self.size))
    }

    public var description: String { "MasterKey(<redacted>)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Loads the key file at `path`, or creates it (mode 0600, 32 random bytes) if it does not
    /// exist. Creation is atomic: the bytes go to a temporary file that is linked into place
    /// only when complete, and an existing file is never replaced.
    /// - Throws: `MasterKeyError` for a file that is not a regular file, is readable or writable
    ///   by group or others, or is not exactly 32 bytes. We never regenerate over such a file.
    public static func loadOrCreate(path: String) throws(MasterKeyError) -> MasterKey {
        if let key = try Self.loadIfPresent(path: path) { return key }
        try Self.create(path: path)
        guard let key = try Self.loadIfPresent(path: path) else {
            throw MasterKeyError("\(path) vanished right after it was created")
        }
        return key
    }

    /// Loads an existing key file, with the same checks as `loadOrCreate`.
    public static func load(path: String) throws(MasterKeyError) -> MasterKey {
        guard let key = try Self.loadIfPresent(path: path) else {
            throw MasterKeyError("\(path) does not exist")
        }
        return key
    }

    private static func loadIfPresent(path: String) throws(MasterKeyError) -> MasterKey? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw MasterKeyError("cannot open \(path): \(Self.errorText())")
        }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MasterKeyError("cannot stat \(path): \(Self.errorText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MasterKeyError("\(path) is not a regular file")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw MasterKeyError(
                "\(path) has mode \(String(mode, radix: 8)); it must not be accessible to group or others"
                    + " (chmod 600 it)"
            )
        }
        // Either the 32 raw bytes we write, or the same text `MPS_MASTER_KEY` takes (64 hex
        // digits or base64 of 32 bytes, optionally newline-terminated), as a secret mount holds.
        guard info.st_size == Self.size || (44...80).contains(info.st_size) else {
            throw MasterKeyError(
                "\(path) is \(info.st_size) bytes; a key file holds 32 raw bytes, 64 hex digits or base64")
        }
        let expected = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: expected)
        var filled = 0
        while filled < expected {
            let count = bytes.withUnsafeMutableBytes {
                read(fd, $0.baseAddress! + filled, expected - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw MasterKeyError("cannot read \(path): \(Self.errorText())") }
            filled += count
        }
        if expected == Self.size { return try MasterKey(bytes: bytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw MasterKeyError("\(path) holds neither 32 raw bytes nor a hex or base64 key")
        }
        do {
            return try MasterKey(encoded: text)
        } catch {
            throw MasterKeyError("\(path) holds neither 32 raw bytes nor a hex or base64 key")
        }
    }

    private static func create(path: String) throws(MasterKeyError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw MasterKeyError("cannot create directory \(directory)")
        }
        let temporary = "\(path).tmp-\(SecureRandom.hexToken(bytes: 8))"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MasterKeyError("cannot create \(temporary): \(Self.errorText())") }
        var removeTemporary = true
        defer {
            if removeTemporary { unlink(temporary) }
        }
        do {
            defer { Glibc.close(fd) }
            // The umask may have narrowed the mode further, never widened it; fchmod makes it exact
            // before any key byte is written.
            guard fchmod(fd, 0o600) == 0 else { throw MasterKeyError("cannot chmod \(temporary)") }
            let bytes = SecureRandom.bytes(Self.size)
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes {
                    write(fd, $0.baseAddress! + written, bytes.count - written)
                }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    throw MasterKeyError("cannot write \(temporary): \(Self.errorText())")
                }
                written += count
            }
            guard fsync(fd) == 0 else {
                throw MasterKeyError("cannot sync \(temporary): \(Self.errorText())")
            }
        }
        // link(2) fails if `path` exists, so a key created concurrently by someone else wins and
        // is then loaded; ours is discarded.
        if link(temporary, path) != 0 && errno != EEXIST {
            throw MasterKeyError("cannot create \(path): \(Self.errorText())")
        }
        unlink(temporary)
        removeTemporary = false
    }

    private static func decodeHex(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var high: UInt8?
        for char in text.utf8 {
            let nibble: UInt8
            switch char {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = char - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = char - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = char - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return high == nil ? out : nil
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
