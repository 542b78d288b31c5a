"""A test app that echoes the identity its resolvers receive from the router."""
