// The Tunnel module. See ARCHITECTURE.md.
