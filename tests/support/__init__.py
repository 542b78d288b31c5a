"""Shared test helpers: free ports, servers in threads or processes, readiness waits."""
