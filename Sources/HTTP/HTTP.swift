// The HTTP module. See ARCHITECTURE.md.
