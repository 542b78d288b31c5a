"""Identity in tests: the session's signing key and internal-token headers for subgraph calls.

tests/conftest.py puts ``TEST_SIGNING_KEY`` in the environment (unless one is set), so every
app and router built in a test signs and verifies with it. A test that calls a subgraph
directly, as the router would, sends ``internal_headers()`` (or those of a given identity).
"""

from __future__ import annotations

import os

from shared.auth.internal import internal_headers as _internal_headers
from shared.auth.keys import TokenKeys
from shared.identity import CallerKind, Identity, Role

TEST_SIGNING_KEY = "test-signing-key-for-the-mateway-test-suite"


def signing_keys() -> TokenKeys:
    """The keys every service of this test session derives."""
    return TokenKeys.from_secret(os.environ.get("MATEWAY_SIGNING_KEY", TEST_SIGNING_KEY))


def internal_headers(identity: Identity | None = None) -> dict[str, str]:
    """The router's internal token header for `identity` (default: the platform's service)."""
    return _internal_headers(identity or Identity.service(), signing_keys())


def user_identity(user_id: str = "user-1", role: Role = Role.USER) -> Identity:
    """A signed-in user's identity with a session id."""
    return Identity(kind=CallerKind.USER, role=role, user_id=user_id, session_id=f"s-{user_id}")
