"""A test app whose subscription streams the caller's claims until the client or router ends it."""
