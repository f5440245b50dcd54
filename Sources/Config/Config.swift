// The Config module. See ARCHITECTURE.md.
