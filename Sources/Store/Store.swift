// The Store module. See ARCHITECTURE.md.
