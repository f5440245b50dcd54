// The PasswordHash module. See ARCHITECTURE.md.
