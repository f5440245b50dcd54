// Redirection: the disk images an operator offers for IDE-R (`<data dir>/images/`).
public import Foundation

/// One image file as the REST API lists it.
public struct DiskImageInfo: Sendable, Equatable {
    public var name: String
    public var size: UInt64
}

/// Why an image cannot be used. Descriptions name the image only, never a path.
public enum DiskImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a plain `name.iso` / `name.img` (letters, digits, `._-`, no leading dot).
    case invalidName
    case notFound(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .invalidName: "image names are letters, digits, '.', '_', '-' ending in .iso or .img"
        case .notFound(let name): "no image named \(name)"
        case .unreadable(let name): "image \(name) cannot be read"
        }
    }
}

/// The directory of images. The operator copies ISO/IMG files there; the server only reads
/// them. Only regular files directly in the directory count (no subdirectories, no symbolic
/// links, no hidden files), so a name from the API can never reach another file.
public struct DiskImageLibrary: Sendable {
    public let directory: URL
    public static let extensions: Set<String> = ["iso", "img"]

    public init(directory: URL) { self.directory = directory }

    /// Creates the directory (0700) if it is missing.
    public func prepare() throws {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: self.directory.path) else { return }
        try fm.createDirectory(
            at: self.directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
    }

    /// The usable images, by name.
    public func list() -> [DiskImageInfo] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.directory.path)) ?? []
        return names.sorted().compactMap { name in
            guard Self.isValid(name), let size = self.regularFileSize(name) else { return nil }
            return DiskImageInfo(name: name, size: size)
        }
    }

    /// Opens an image for reading.
    public func open(_ name: String) throws(DiskImageError) -> DiskImage {
        guard Self.isValid(name) else { throw .invalidName }
        guard let size = self.regularFileSize(name) else { throw .notFound(name) }
        let path = self.directory.appendingPathComponent(name).path
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(name) }
        return DiskImage(name: name, size: size, handle: handle)
    }

    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, name.first != ".",
            name.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
            })
        else { return false }
        let ext = (name as NSString).pathExtension.lowercased()
        return Self.extensions.contains(ext)
    }

    private func regularFileSize(_ name: String) -> UInt64? {
        let path = self.directory.appendingPathComponent(name).path
        // attributesOfItem does not follow a symbolic link, so a link reads as .typeSymbolicLink.
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return (attributes[.size] as? NSNumber)?.uint64Value
    }
}

/// An open, read-only image.
///
/// `@unchecked Sendable`: the handle is only used inside `read`, under `lock`, so one read
/// at a time seeks and reads; `close` takes the same lock and later reads return nothing.
public final class DiskImage: @unchecked Sendable {
    public let name: String
    public let size: UInt64
    private let handle: FileHandle
    private let lock = NSLock()
    private var closed = false

    init(name: String, size: UInt64, handle: FileHandle) {
        self.name = name
        self.size = size
        self.handle = handle
    }

    deinit { try? self.handle.close() }

    /// Up to `count` bytes at `offset` (fewer at the end of the file, none past it).
    public func read(offset: UInt64, count: Int) throws(DiskImageError) -> [UInt8] {
        guard offset < self.size, count > 0 else { return [] }
        let wanted = Int(min(UInt64(count), self.size - offset))
        self.lock.lock()
        defer { self.lock.unlock() }
        guard !self.closed else { return [] }
        do {
            try self.handle.seek(toOffset: offset)
            return [UInt8](try self.handle.read(upToCount: wanted) ?? Data())
        } catch {
            throw .unreadable(self.name)
        }
    }

    public func close() {
        self.lock.lock()
        defer { self.lock.unlock() }
        guard !self.closed else { return }
        self.closed = true
        try? self.handle.close()
    }
}
