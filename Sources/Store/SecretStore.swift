import Crypto
import Foundation
public import Logging
public import PasswordHash
import SQLite
import Synchronization

/// AMT admin credentials, for internal use only (the WS-MAN client). The description and the
/// mirror never show the password.
public struct AMTCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "AMTCredentials(username: \(self.username), password: <redacted>)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["username": self.username]) }
}

/// Per-device secrets: the CIRA (MPS) password as an argon2id hash, and the AMT admin password
/// encrypted under the master key.
///
/// No method returns a secret except `amtCredentials`, for the server's own WS-MAN calls.
/// Verification runs argon2 on the `HashingPool`'s threads, never on the caller's. A verified
/// pair is remembered per device as an HMAC under a per-process key, tied to the stored hash,
/// so a reconnect with unchanged credentials costs one indexed read and one HMAC. Changing
/// or deleting the credentials (or the device) invalidates it, because the stored hash changes.
public final class SecretStore: Sendable {
    private let database: Database
    private let masterKey: MasterKey
    private let hashing: HashingPool
    private let parameters: Argon2Parameters
    private let logger: Logger?
    private let verified = VerifiedCredentials()

    public init(
        database: Database,
        masterKey: MasterKey,
        hashing: HashingPool,
        parameters: Argon2Parameters = .deviceSecret,
        logger: Logger? = nil
    ) {
        self.database = database
        self.masterKey = masterKey
        self.hashing = hashing
        self.parameters = parameters
        self.logger = logger
    }

    /// A fresh compliant MPS password (see `MPSPasswordPolicy.generate`).
    public static func generateMPSPassword() -> String { MPSPasswordPolicy.generate() }

    /// Sets the device's CIRA username (`devices.mps_username`) and stores an argon2id hash of
    /// the password.
    /// - Throws: `StoreError.invalidUsername`/`.invalidPassword` (B28), `.invalidGUID`,
    ///   `.deviceNotFound`.
    public func setMPSCredentials(guid: String, username: String, password: String) async throws {
        let guid = try GUID.require(guid)
        try MPSPasswordPolicy.validate(username: username)
        try MPSPasswordPolicy.validate(password: password)
        let encoded = try await self.hashing.hash(password, params: self.parameters)
        let now = Timestamp.format(Date())
        try await self.database.write { connection in
            let changed = try connection.run(
                "UPDATE devices SET mps_username = ? WHERE guid = ?",
                [.text(username), .text(guid)]
            )
            guard changed > 0 else { throw StoreError.deviceNotFound }
            try connection.run(
                """
                INSERT INTO device_secrets (guid, mps_password_hash, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (guid) DO UPDATE SET mps_password_hash = excluded.mps_password_hash,
                    updated_at = excluded.updated_at
                """,
                [.text(guid), .text(encoded), .text(now)]
            )
        }
        self.verified.forget(guid)
    }

    /// True when `username` and `password` are the device's CIRA credentials. Unknown devices,
    /// malformed input and database failures all answer false. The username is compared in
    /// constant time and argon2 runs even when it is wrong, so timing tells nothing about which
    /// half failed.
    public func verifyMPSCredentials(guid: String, username: String, password: String) async -> Bool {
        guard let guid = GUID.normalize(guid), username.utf8.count <= 64, password.utf8.count <= 64 else {
            return false
        }
        let stored: (username: String, hash: String)?
        do {
            stored = try await self.database.read { connection in
                try connection.queryFirst(
                    """
                    SELECT d.mps_username, s.mps_password_hash FROM devices d
                    JOIN device_secrets s ON s.guid = d.guid WHERE d.guid = ?
                    """,
                    [.text(guid)]
                ) { row -> (username: String, hash: String)? in
                    guard let user = row.string(0), let hash = row.string(1) else { return nil }
                    return (user, hash)
                } ?? nil
            }
        } catch {
            self.logger?.error(
                "credential lookup failed",
                metadata: ["device.guid": guid, "db.error": "\(error)"]
            )
            return false
        }
        guard let stored else { return false }
        let usernameMatches = constantTimeEqual(stored.username, username)
        let mac = self.verified.mac(username: username, password: password, storedHash: stored.hash)
        if self.verified.contains(guid, mac) { return usernameMatches }
        let passwordMatches = await self.hashing.verify(password, encoded: stored.hash)
        guard passwordMatches && usernameMatches else { return false }
        self.verified.remember(guid, mac)
        return true
    }

    /// Stores the AMT admin credentials, the password sealed with AES-256-GCM under the master
    /// key with a fresh nonce and the GUID as associated data.
    /// - Throws: `StoreError.invalidGUID`, `.deviceNotFound`.
    public func setAMTCredentials(guid: String, username: String, password: String) async throws {
        let guid = try GUID.require(guid)
        let sealed = try AESGCM.seal(
            key: self.masterKey.bytes,
            plaintext: Array(password.utf8),
            aad: Self.associatedData(guid)
        )
        let now = Timestamp.format(Date())
        try await self.database.write { connection in
            guard
                try connection.queryFirst(
                    "SELECT 1 FROM devices WHERE guid = ?",
                    [.text(guid)],
                    { _ in true }
                ) != nil
            else { throw StoreError.deviceNotFound }
            try connection.run(
                """
                INSERT INTO device_secrets (guid, amt_username, amt_password_enc, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (guid) DO UPDATE SET amt_username = excluded.amt_username,
                    amt_password_enc = excluded.amt_password_enc, updated_at = excluded.updated_at
                """,
                [.text(guid), .text(username), .blob(sealed), .text(now)]
            )
        }
    }

    /// The device's AMT admin credentials, or nil when none are stored.
    /// - Throws: `StoreError.secretUnreadable` when the stored value does not decrypt (another
    ///   master key, or a tampered or moved row).
    public func amtCredentials(guid: String) async throws -> AMTCredentials? {
        let guid = try GUID.require(guid)
        let row = try await self.database.read { connection in
            try connection.queryFirst(
                "SELECT amt_username, amt_password_enc FROM device_secrets WHERE guid = ?",
                [.text(guid)]
            ) { row -> (String, [UInt8])? in
                guard let user = row.string(0), let sealed = row.blob(1) else { return nil }
                return (user, sealed)
            } ?? nil
        }
        guard let (username, sealed) = row else { return nil }
        let plain: [UInt8]
        do {
            plain = try AESGCM.open(key: self.masterKey.bytes, sealed: sealed, aad: Self.associatedData(guid))
        } catch {
            throw StoreError.secretUnreadable
        }
        guard let password = String(validating: plain, as: UTF8.self) else {
            throw StoreError.secretUnreadable
        }
        return AMTCredentials(username: username, password: password)
    }

    /// Deletes every secret of the device (the device row stays). False when there were none.
    @discardableResult
    public func deleteAll(guid: String) async throws -> Bool {
        let guid = try GUID.require(guid)
        self.verified.forget(guid)
        return try await self.database.write { connection in
            try connection.run("DELETE FROM device_secrets WHERE guid = ?", [.text(guid)]) > 0
        }
    }

    /// Binds a sealed AMT password to its row and purpose.
    static func associatedData(_ guid: String) -> [UInt8] {
        Array("mps/device_secrets/amt_password/\(guid)".utf8)
    }
}
