"""Credits on a real Valkey (tests/shared/conftest.py) and the shared platform Directus."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from shared.credits import BalanceStore, Credits, Ledger
from shared.directus.client import DirectusClient
from shared.redis import create_redis
from tests.shared.conftest import ValkeyServer
from tests.support.directus import (  # noqa: F401 (fixtures)
    directus_template,
    platform_directus,
    start_empty_directus,
)


@pytest.fixture
async def credits(valkey: ValkeyServer, directus: DirectusClient) -> AsyncIterator[Credits]:
    """Credits over a private Valkey database."""
    redis = create_redis(valkey.url(5))
    yield Credits(BalanceStore(redis), Ledger(directus))
    await redis.aclose()


@pytest.fixture
def new_user(directus: DirectusClient) -> Callable[[], Awaitable[str]]:
    """Creates a Directus user (the ledger links rows to users) and answers its id."""

    async def make() -> str:
        user = await directus.create_user({"email": f"credits-{uuid.uuid4().hex}@example.com"})
        return str(user["id"])

    return make
