// The Simulator module. See ARCHITECTURE.md.
