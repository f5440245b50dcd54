-- Registered AMT devices, after the reference data model (one row per GUID).
-- guid: lowercase 8-4-4-4-12 text (field fault B05); the store normalises before every query.
-- tags: a JSON array of strings. device_info: a JSON object, or NULL.
-- Timestamps are ISO-8601 UTC text with milliseconds, e.g. 2026-12-04T08:30:00.123Z.
CREATE TABLE devices (
    guid TEXT PRIMARY KEY NOT NULL
        CHECK (length(guid) = 36 AND guid = lower(guid)),
    hostname TEXT CHECK (hostname IS NULL OR length(hostname) <= 256),
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    friendly_name TEXT CHECK (friendly_name IS NULL OR length(friendly_name) <= 256),
    dns_suffix TEXT CHECK (dns_suffix IS NULL OR length(dns_suffix) <= 256),
    tenant_id TEXT NOT NULL DEFAULT '' CHECK (length(tenant_id) <= 36),
    mps_username TEXT,
    connection_status INTEGER NOT NULL DEFAULT 0 CHECK (connection_status IN (0, 1)),
    mps_instance TEXT,
    last_connected TEXT,
    last_seen TEXT,
    last_disconnected TEXT,
    device_info TEXT CHECK (device_info IS NULL OR (json_valid(device_info)
        AND json_type(device_info) = 'object'))
);

CREATE INDEX devices_tenant ON devices (tenant_id, guid);
CREATE INDEX devices_hostname ON devices (hostname);
CREATE INDEX devices_friendly_name ON devices (friendly_name);
CREATE INDEX devices_instance ON devices (mps_instance) WHERE connection_status = 1;
