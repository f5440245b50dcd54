// The WSMAN module. See ARCHITECTURE.md.
