public import Foundation
internal import SQLite

/// One connection-status change reported by the tunnel manager.
public enum StatusChange: Sendable, Equatable {
    case connected(String, instance: String, at: Date)
    case disconnected(String, at: Date)
    case seen(String, at: Date)
}

extension DeviceStore {
    /// Applies a burst of status changes in order, in one transaction (a reconnect storm of
    /// thousands of devices becomes a few writes). Unknown or malformed GUIDs are skipped.
    public func record(_ changes: [StatusChange]) async throws {
        guard !changes.isEmpty else { return }
        try await self.database.write { connection in
            for change in changes {
                switch change {
                case .connected(let raw, let instance, let date):
                    guard let guid = GUID.normalize(raw) else { continue }
                    let now = Timestamp.format(date)
                    _ = try connection.run(
                        """
                        UPDATE devices SET connection_status = 1, mps_instance = ?, last_connected = ?,
                        last_seen = ? WHERE guid = ?
                        """, [.text(instance), .text(now), .text(now), .text(guid)])
                case .disconnected(let raw, let date):
                    guard let guid = GUID.normalize(raw) else { continue }
                    _ = try connection.run(
                        """
                        UPDATE devices SET connection_status = 0, mps_instance = NULL,
                        last_disconnected = ? WHERE guid = ?
                        """, [.text(Timestamp.format(date)), .text(guid)])
                case .seen(let raw, let date):
                    guard let guid = GUID.normalize(raw) else { continue }
                    _ = try connection.run(
                        "UPDATE devices SET last_seen = ? WHERE guid = ?",
                        [.text(Timestamp.format(date)), .text(guid)])
                }
            }
        }
    }
}
