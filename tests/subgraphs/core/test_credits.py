"""Credits in core (real Directus and Valkey): balance, usage history pages, admin grants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.credits import BalanceStore, Credits, Ledger, Usage
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.identity import CallerKind, Identity, Role
from subgraphs.core.app import app as core_app
from subgraphs.core.service import CoreService, use_service
from tests.shared.conftest import ValkeyServer, valkey
from tests.subgraphs.core.conftest import core_settings
from tests.support.identity import internal_headers, user_identity

__all__ = ["valkey"]

DB = 6
GRANT = (
    "mutation($u: ID!, $a: Int!, $r: String!) { grantCredits(userId: $u, amount: $a, reason: $r) }"
)
HISTORY = """query($first: Int!, $after: String, $userId: ID) {
  usageHistory(first: $first, after: $after, userId: $userId) {
    records { kind skill credits tokens reason requestId } endCursor hasNextPage
  }
}"""


@pytest.fixture
async def credits(
    platform_directus: DirectusServer, valkey: ValkeyServer, directus: DirectusClient
) -> AsyncIterator[Credits]:
    """The core app on the test Directus and Valkey, and the same credits for the test."""
    service = CoreService(core_settings(platform_directus, redis_url=valkey.url(DB)))
    use_service(service)
    made = Credits(BalanceStore(service.redis()), Ledger(directus))
    await made.store.redis.flushdb()
    yield made
    use_service(None)
    await service.aclose()


@pytest.fixture
async def people(directus: DirectusClient) -> AsyncIterator[tuple[Identity, Identity]]:
    """A user and an admin (real Directus users)."""
    made = [await directus.create_user({"status": "active"}) for _ in range(2)]
    yield user_identity(made[0]["id"]), user_identity(made[1]["id"], Role.ADMIN)
    for ledger_row in await directus.read_items(
        "usage", filter={"user": {"_in": [m["id"] for m in made]}}, fields=["id"], limit=-1
    ):
        await directus.delete_item("usage", ledger_row["id"])
    for user in made:
        await directus.delete_user(user["id"])


async def core(query: str, identity: Identity | None, **variables: Any) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=core_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core") as client:
        body = {"query": query, "variables": variables}
        response = await client.post("/graphql", json=body, headers=internal_headers(identity))
    answer: dict[str, Any] = response.json()
    return answer


def code(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["extensions"]["code"])


async def test_admin_grant_writes_the_ledger_and_the_balance(
    credits: Credits, people: tuple[Identity, Identity]
) -> None:
    user, admin = people
    answer = await core(GRANT, admin, u=user.user_id, a=250, r="welcome")
    assert answer == {"data": {"grantCredits": 250}}
    assert (await core("{ creditBalance }", user))["data"] == {"creditBalance": 250}
    (row,) = (await core(HISTORY, user, first=5))["data"]["usageHistory"]["records"]
    assert (row["kind"], row["credits"]) == ("grant", 250)
    assert row["reason"].startswith("welcome")


async def test_grant_is_refused_to_users_and_to_unknown_targets(
    credits: Credits, people: tuple[Identity, Identity]
) -> None:
    user, admin = people
    assert code(await core(GRANT, user, u=user.user_id, a=10, r="self")) == "FORBIDDEN"
    assert await credits.balance(str(user.user_id)) == 0
    unknown = "00000000-0000-4000-8000-000000000000"
    assert code(await core(GRANT, admin, u=unknown, a=10, r="x")) == "NOT_FOUND"
    assert code(await core(GRANT, admin, u=user.user_id, a=0, r="x")) == "BAD_USER_INPUT"


async def test_balance_is_rebuilt_when_redis_lost_it(
    credits: Credits, people: tuple[Identity, Identity]
) -> None:
    user, _ = people
    uid = str(user.user_id)
    await credits.grant(uid, 40, "funds")
    await credits.reserve(uid, "core-test-1", 10)
    await credits.settle(uid, "core-test-1", Usage(8, skill="reply"))
    await credits.store.redis.flushdb()
    assert (await core("{ creditBalance }", user))["data"] == {"creditBalance": 32}


async def test_usage_history_pages_newest_first_and_only_the_callers_rows(
    credits: Credits, people: tuple[Identity, Identity]
) -> None:
    user, admin = people
    await credits.grant(str(admin.user_id), 5, "the admin's own")
    for index in range(5):
        await credits.grant(str(user.user_id), index + 1, f"grant {index}")
    first = (await core(HISTORY, user, first=2))["data"]["usageHistory"]
    assert [r["credits"] for r in first["records"]] == [5, 4] and first["hasNextPage"]
    second = (await core(HISTORY, user, first=2, after=first["endCursor"]))["data"]
    assert [r["credits"] for r in second["usageHistory"]["records"]] == [3, 2]
    third = await core(HISTORY, user, first=2, after=second["usageHistory"]["endCursor"])
    assert [r["credits"] for r in third["data"]["usageHistory"]["records"]] == [1]
    assert third["data"]["usageHistory"]["hasNextPage"] is False


async def test_only_admins_read_another_users_history(
    credits: Credits, people: tuple[Identity, Identity]
) -> None:
    user, admin = people
    await credits.grant(str(user.user_id), 7, "funds")
    refused = await core(HISTORY, user, first=5, userId=admin.user_id)
    assert code(refused) == "FORBIDDEN"
    read = await core(HISTORY, admin, first=5, userId=user.user_id)
    assert [r["credits"] for r in read["data"]["usageHistory"]["records"]] == [7]


async def test_api_keys_read_their_owners_balance(
    credits: Credits, people: tuple[Identity, Identity]
) -> None:
    user, _ = people
    await credits.grant(str(user.user_id), 12, "funds")
    key = Identity(
        kind=CallerKind.API_KEY,
        role=Role.USER,
        user_id=user.user_id,
        api_key_id="k1",
        scopes=frozenset({"credits:read"}),
    )
    assert (await core("{ creditBalance }", key))["data"] == {"creditBalance": 12}
    assert code(await core("{ creditBalance }", None)) == "UNAUTHENTICATED"
