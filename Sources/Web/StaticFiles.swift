public import Foundation
public import HTTP

/// Serves files from one directory (the web UI in `Public/`). Files are read once at start and
/// kept in memory, so a request never touches the disk and no path from a request is ever
/// joined to a filesystem path: only names found at start can be served.
public struct StaticFiles: Sendable {
    private let files: [String: (contentType: String, body: [UInt8])]

    public init(directory: URL) {
        var files: [String: (String, [UInt8])] = [:]
        let fm = FileManager.default
        let root = directory.standardizedFileURL.path
        if let walker = fm.enumerator(atPath: root) {
            while let relative = walker.nextObject() as? String {
                let full = root + "/" + relative
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
                    let data = fm.contents(atPath: full)
                else { continue }
                files["/" + relative] = (StaticFiles.contentType(for: relative), Array(data))
            }
        }
        self.files = files
    }

    public var count: Int { self.files.count }

    /// The response for a GET of `path`, or nil when no such file was loaded.
    public func response(for path: String) -> HTTPResponse? {
        let key = path == "/" ? "/index.html" : path
        guard let file = self.files[key] else { return nil }
        var response = HTTPResponse(status: 200)
        response.headers.replace("Content-Type", file.contentType)
        response.headers.replace("Cache-Control", "no-cache")
        response.body = file.body
        return response
    }

    static func contentType(for name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: "application/octet-stream"
        }
    }
}
