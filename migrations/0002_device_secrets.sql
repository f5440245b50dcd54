-- Per-device secrets, deleted with the device (field fault B40).
-- mps_password_hash: argon2id PHC string of the CIRA (MPS) password; the username is
--   devices.mps_username, which the REST API shows.
-- amt_password_enc: AES-256-GCM under the master key, nonce || ciphertext || tag, with the
--   device GUID in the associated data so a value copied to another row does not decrypt.
CREATE TABLE device_secrets (
    guid TEXT PRIMARY KEY NOT NULL
        REFERENCES devices (guid) ON DELETE CASCADE ON UPDATE CASCADE,
    mps_password_hash TEXT,
    amt_username TEXT,
    amt_password_enc BLOB,
    updated_at TEXT NOT NULL
);
