internal import Foundation
public import HTTP
public import Store

/// `/api/v1/health`, `/api/v1/version`, `/api/v1/ciracert`.
public struct ServerRoutes: Sendable {
    public static let version = "0.1.0"
    let database: Database
    let rootCertificatePEM: String

    public init(database: Database, rootCertificatePEM: String) {
        self.database = database
        self.rootCertificatePEM = rootCertificatePEM
    }

    /// Paths that need no API key: health probes, the version, and the public root certificate.
    public static let publicPaths: Set<String> = ["/api/v1/health", "/api/v1/version", "/api/v1/ciracert"]

    public func register(on router: inout Router) {
        router.get("/api/v1/version") { _ in
            .jsonValue(200, ["serviceVersion": .string(Self.version)])
        }
        router.get("/api/v1/health") { c in
            do {
                _ = try await self.database.read { conn in try conn.queryFirst("SELECT 1", []) { $0.int(0) } }
                return .jsonValue(200, ["db": ["name": "SQLITE", "status": "OK"]])
            } catch {
                c.logger.error("health check: database failed", metadata: ["error": "\(error)"])
                return .jsonValue(503, ["db": ["name": "SQLITE", "status": "UNAVAILABLE"]])
            }
        }
        router.get("/api/v1/ciracert") { _ in
            var r = HTTPResponse(status: 200)
            r.headers.replace("Content-Type", "application/x-pem-file")
            r.body = Array(self.rootCertificatePEM.utf8)
            return r
        }
    }
}
