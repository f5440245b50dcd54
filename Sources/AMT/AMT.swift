// The AMT module. See ARCHITECTURE.md.
