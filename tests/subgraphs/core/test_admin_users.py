"""Admin user operations through the router with real access tokens (Directus, Valkey)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from tests.shared.conftest import ValkeyServer, valkey
from tests.subgraphs.core.accounts_support import Accounts, accounts, brevo_server
from tests.subgraphs.core.admin_support import Member, RouterClient, router_client, sign_up

__all__ = ["accounts", "brevo_server", "valkey"]

USERS = """query($s: String, $f: Int, $a: String) {
  adminUsers(search: $s, first: $f, after: $a) {
    users { id username email role status emailVerified creditsBalance }
    endCursor hasNextPage
  }
}"""
DISABLE = "mutation($u: ID!) { disableUser(userId: $u) { status } }"
ENABLE = "mutation($u: ID!) { enableUser(userId: $u) { status } }"
ME_KEYS = "query { apiKeys { id } }"


@pytest.fixture
async def clients(
    accounts: Accounts, valkey: ValkeyServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., RouterClient]]:
    # The router looks API keys up in the same Directus.
    monkeypatch.setenv("MATEWAY_DIRECTUS_URL", accounts.settings.directus_url or "")
    token = accounts.settings.directus_token
    monkeypatch.setenv("MATEWAY_DIRECTUS_TOKEN", token.get_secret_value() if token else "")
    async with router_client(valkey, 3) as make:
        yield make


@pytest.fixture
async def admin(accounts: Accounts) -> Member:
    return await sign_up(accounts, admin=True)


def code_of(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list)
    return str(errors[0]["extensions"]["code"])


async def test_admin_searches_users_by_username_prefix_and_exact_email(
    accounts: Accounts, clients: Callable[..., RouterClient], admin: Member
) -> None:
    client = clients()
    member = await sign_up(accounts)
    token = await client.token(admin.username)
    body = await client.run(USERS, token, s=member.username[:8].upper())
    found = {user["id"]: user for user in body["data"]["adminUsers"]["users"]}
    assert found[member.id]["email"] == member.email
    assert found[member.id]["role"] == "user" and found[member.id]["status"] == "active"
    assert found[member.id]["emailVerified"] is True
    assert found[member.id]["creditsBalance"] == 0
    body = await client.run(USERS, token, s=f"  {member.email.upper()} ")
    assert [u["username"] for u in body["data"]["adminUsers"]["users"]] == [member.username]
    body = await client.run(USERS, token, s="nobody-has-this@example.com")
    assert body["data"]["adminUsers"]["users"] == []


async def test_admin_users_pages_with_cursors(
    accounts: Accounts, clients: Callable[..., RouterClient], admin: Member
) -> None:
    client = clients()
    token = await client.token(admin.username)
    first = await client.run(USERS, token, f=1)
    page = first["data"]["adminUsers"]
    assert len(page["users"]) == 1 and page["hasNextPage"] is True
    second = await client.run(USERS, token, f=1, a=page["endCursor"])
    assert second["data"]["adminUsers"]["users"][0]["id"] != page["users"][0]["id"]
    assert code_of(await client.run(USERS, token, f=1000)) == "BAD_USER_INPUT"


async def test_users_and_api_keys_cannot_run_admin_operations(
    accounts: Accounts, clients: Callable[..., RouterClient], admin: Member
) -> None:
    client = clients()
    member = await sign_up(accounts)
    user_token = await client.token(member.username)
    assert code_of(await client.run(USERS, user_token)) == "FORBIDDEN"
    assert code_of(await client.run(DISABLE, user_token, u=admin.id)) == "FORBIDDEN"
    assert code_of(await client.run(USERS)) == "UNAUTHENTICATED"
    # An admin's API key carries the role user: admin operations are refused.
    admin_token = await client.token(admin.username)
    created = await client.run(
        'mutation { createApiKey(input: {name: "k", scopes: ["credits:read"]}) { key } }',
        admin_token,
    )
    key = created["data"]["createApiKey"]["key"]
    assert code_of(await client.run(USERS, key)) == "FORBIDDEN"
    assert code_of(await client.run(DISABLE, key, u=member.id)) == "FORBIDDEN"
    statuses = await accounts.service.directus().read_user(member.id, fields=["status"])
    assert statuses == {"status": "active"}


async def test_disabling_refuses_the_existing_token_and_logins_until_enabled(
    accounts: Accounts, clients: Callable[..., RouterClient], admin: Member
) -> None:
    client = clients()
    member = await sign_up(accounts)
    member_token = await client.token(member.username)
    assert "errors" not in await client.run(ME_KEYS, member_token)
    admin_token = await client.token(admin.username)
    body = await client.run(DISABLE, admin_token, u=member.id)
    assert body == {"data": {"disableUser": {"status": "suspended"}}}
    refused = await client.run(ME_KEYS, member_token)
    assert code_of(refused) == "UNAUTHENTICATED"
    assert refused["errors"][0]["extensions"]["reason"] == "revoked"
    login = await client.login(member.username)
    assert code_of(login) == "UNAUTHENTICATED"
    body = await client.run(ENABLE, admin_token, u=member.id)
    assert body == {"data": {"enableUser": {"status": "active"}}}
    # revoke_user refuses tokens issued up to the next whole second (iat has seconds).
    await asyncio.sleep(2.1)
    assert "errors" not in await client.run(ME_KEYS, await client.token(member.username))


async def test_admin_cannot_disable_themselves_and_unknown_users_are_not_found(
    clients: Callable[..., RouterClient], admin: Member
) -> None:
    client = clients()
    token = await client.token(admin.username)
    assert code_of(await client.run(DISABLE, token, u=admin.id)) == "BAD_USER_INPUT"
    unknown = "00000000-0000-4000-8000-000000000000"
    assert code_of(await client.run(DISABLE, token, u=unknown)) == "NOT_FOUND"
    assert code_of(await client.run(ENABLE, token, u="not-a-uuid")) == "NOT_FOUND"
    assert "errors" not in await client.run(USERS, token)  # still signed in


async def test_per_ip_lockout_through_the_router_spans_accounts(
    accounts: Accounts, clients: Callable[..., RouterClient]
) -> None:
    # The fixture allows 3 failures per account and 6 per IP.
    members = [await sign_up(accounts) for _ in range(3)]
    net = secrets.randbelow(250)
    shared_ip, other_ip = clients(f"192.0.2.{net}"), clients(f"192.0.2.{net + 1}")
    for member in members[:2]:
        for _ in range(3):
            body = await shared_ip.login(member.username, "wrong password!!")
            assert code_of(body) in {"UNAUTHENTICATED", "TOO_MANY_ATTEMPTS"}
    locked = await shared_ip.login(members[2].username)
    assert code_of(locked) == "TOO_MANY_ATTEMPTS"
    assert "errors" not in await other_ip.login(members[2].username)
