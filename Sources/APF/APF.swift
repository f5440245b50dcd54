// The APF module. See ARCHITECTURE.md.
