// The MPSServer module. See ARCHITECTURE.md.
