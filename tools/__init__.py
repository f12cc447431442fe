"""Build, lock and smoke-test tooling for the course images (standard library only)."""
