"""Apps used by the identity plugin tests."""
