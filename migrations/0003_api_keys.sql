-- REST API keys. Only SHA-256 of the key is stored (keys are 256-bit random, so a fast hash
-- is right); prefix is the first characters of the key, kept to tell keys apart in listings.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
