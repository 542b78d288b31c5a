"""Fixtures for the account tests: the core service on real Directus, Valkey and a fake Brevo.

Operations run directly on the core subgraph's schema with the context the subgraph-side
identity check builds (`identity`) and the caller's IP as the router passes it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.auth import keys_from_settings, verify_access_token
from shared.directus.runtime import DirectusServer
from shared.identity import Identity
from subgraphs.core.accounts.service import finish_background_work
from subgraphs.core.invites import InviteStore
from subgraphs.core.schema import schema
from subgraphs.core.service import CoreService, use_service
from subgraphs.core.settings import CoreSettings
from tests.shared.conftest import ValkeyServer
from tests.subgraphs.core.conftest import INVITE_KEY, core_settings
from tests.support.brevo import BrevoServer, brevo_server

__all__ = ["Accounts", "accounts", "brevo_server", "unique_name"]

PASSWORD = "correct horse battery"


@dataclass
class Clock:
    """A clock tests move forward (codes and tokens expire without waiting)."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Accounts:
    """The core app under test and helpers to call it like the router would."""

    service: CoreService
    settings: CoreSettings
    brevo: BrevoServer
    clock: Clock
    # A documentation-range IPv6 address unique to each test: lockouts are per IP, and a
    # test must never inherit another test's (250 IPv4 addresses collided across a session).
    ip: str = field(
        default_factory=lambda: f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    )

    async def run(
        self, query: str, identity: Identity | None = None, **variables: Any
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Execute on the core schema: (data, errors as formatted dicts)."""
        context = {"request": None, "client_ip": self.ip}
        if identity is not None:
            context["identity"] = identity  # type: ignore[assignment]
        result = await schema.execute(query, variable_values=variables, context_value=context)
        errors = [error.formatted for error in result.errors or []]
        return result.data, errors

    async def invite(self, *, makes_admin: bool = False, max_uses: int = 1) -> str:
        """A fresh invite code."""
        store = InviteStore(self.service.directus(), INVITE_KEY.encode())
        code, _ = await store.create(makes_admin=makes_admin, max_uses=max_uses)
        return code

    async def settle(self) -> None:
        """Wait for the work the service does after its answers (e.g. reset emails)."""
        await finish_background_work()

    def last_code(self, email: str) -> str:
        """The 6-digit code in the latest email to `email` on the fake Brevo."""
        sent = self.brevo.emails_to(email)
        assert sent, f"no email to {email}"
        match = re.search(r"\b(\d{6})\b", sent[-1].text or "")
        assert match, sent[-1].text
        return match.group(1)

    def last_reset_token(self, email: str) -> str:
        """The token in the latest reset link to `email`."""
        sent = [e for e in self.brevo.emails_to(email) if "password-reset" in e.tags]
        assert sent, f"no reset email to {email}"
        match = re.search(r"token=([A-Za-z0-9_\-]+)", sent[-1].text or "")
        assert match, sent[-1].text
        return match.group(1)

    def identity(self, access_token: str) -> Identity:
        """What the router makes of an access token (verified, no network call)."""
        return verify_access_token(access_token, keys=keys_from_settings(self.settings))


def unique_name(prefix: str = "u") -> str:
    """A username no other test uses."""
    return f"{prefix}{secrets.token_hex(5)}"


@pytest.fixture
async def accounts(
    platform_directus: DirectusServer, valkey: ValkeyServer, brevo_server: BrevoServer
) -> AsyncIterator[Accounts]:
    """The core service on the test Directus, Valkey and fake Brevo, with a movable clock."""
    settings = core_settings(
        platform_directus,
        lookup_hash_key=secrets.token_urlsafe(32),
        redis_url=valkey.url(3),
        email={
            "provider": "brevo",
            "brevo_api_key": brevo_server.api_key,
            "brevo_base_url": brevo_server.base_url,
        },
        throttle={"account_failures": 3, "ip_failures": 6, "lockout_seconds": 120},
    )
    clock = Clock()
    service = CoreService(settings, clock=clock)
    use_service(service)
    accounts = Accounts(service, settings, brevo_server, clock)
    yield accounts
    await accounts.settle()
    use_service(None)
    await service.aclose()
