"""The core app's account operations: one GraphQL operation per module."""
