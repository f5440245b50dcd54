// The NetCore module. See ARCHITECTURE.md.
