"""A real Directus with the platform schema, and the core app wired to it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from subgraphs.core.invites import InviteStore
from subgraphs.core.service import CoreService, use_service
from subgraphs.core.settings import CoreSettings
from tests.support.directus import directus_template, platform_directus, start_empty_directus

__all__ = ["directus_template", "platform_directus", "start_empty_directus"]

INVITE_KEY = secrets.token_urlsafe(32)
KEY_ENCRYPTION_KEY = secrets.token_urlsafe(32)  # personal data (emails, display names)


def core_settings(server: DirectusServer, **overrides: object) -> CoreSettings:
    """Core settings pointing at a test Directus (no data folder, no environment)."""
    values: dict[str, object] = {
        "directus_url": server.url,
        "directus_token": server.platform_token,
        "directus_data_dir": None,
        "invite_hash_key": INVITE_KEY,
        "key_encryption_key": KEY_ENCRYPTION_KEY,
        "directus_retries": 0,
    }
    values.update(overrides)
    return CoreSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def no_admins_nor_invites(directus: DirectusClient) -> AsyncIterator[DirectusClient]:
    """The first-run state: no invite codes and no platform admin (before and after)."""

    async def clear() -> None:
        for row in await directus.read_items("invite_codes", fields=["id"], limit=-1):
            await directus.delete_item("invite_codes", row["id"])
        admins = await directus.read_users(
            filter={"platform_role": {"_eq": "admin"}}, fields=["id"], limit=-1
        )
        for admin in admins:
            await directus.update_user(admin["id"], {"platform_role": "user"})

    await clear()
    yield directus
    await clear()


@pytest.fixture
def invites(no_admins_nor_invites: DirectusClient) -> InviteStore:
    """The invite store on a Directus in its first-run state."""
    return InviteStore(no_admins_nor_invites, INVITE_KEY.encode())


@pytest.fixture
async def core_service(platform_directus: DirectusServer) -> AsyncIterator[CoreService]:
    """The app's service pointed at the test Directus for the test's duration."""
    service = CoreService(core_settings(platform_directus))
    use_service(service)
    yield service
    use_service(None)
    await service.aclose()
