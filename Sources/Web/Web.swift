// The Web module. See ARCHITECTURE.md.
