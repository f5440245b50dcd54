// The SQLite module. See ARCHITECTURE.md.
