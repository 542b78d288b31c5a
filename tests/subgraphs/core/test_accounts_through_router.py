"""The whole sign-up flow end to end through the router (committed supergraph, identity plugin)
with the core app in process, on a real Directus, Valkey and the local Brevo server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from tests.shared.conftest import ValkeyServer, valkey
from tests.subgraphs.core.accounts_support import (
    PASSWORD,
    Accounts,
    accounts,
    brevo_server,
    unique_name,
)

__all__ = ["accounts", "brevo_server", "valkey"]

ROOT = Path(__file__).resolve().parents[3]


class Client:
    """Posts operations to the router like the web app: with the bearer token once signed in."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.access_token: str | None = None

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.access_token}"} if self.access_token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def client(accounts: Accounts, valkey: ValkeyServer) -> AsyncIterator[Client]:
    config = RouterConfig(mode="development", plugins={"identity": {"redis_url": valkey.url(3)}})
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    sdl = (ROOT / "supergraph" / "supergraph.graphql").read_text()
    router = build_router(sdl, config, yaml_transports(supergraph, config))
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
            yield Client(http)
    finally:
        await router.aclose()


async def test_signup_to_logout_through_the_router(accounts: Accounts, client: Client) -> None:
    name, email = unique_name(), f"{unique_name('e')}@example.com"
    invite = await accounts.invite()
    signup = {"inviteCode": invite, "username": name, "email": email, "password": PASSWORD}
    body = await client.run("mutation($i: SignupInput!) { signup(input: $i) { userId } }", i=signup)
    assert "errors" not in body, body
    body = await client.run(
        "mutation($e: String!, $c: String!) { verifyEmailCode(email: $e, code: $c) }",
        e=email,
        c=accounts.last_code(email),
    )
    assert body == {"data": {"verifyEmailCode": True}}
    login = "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }"
    body = await client.run(login, i={"usernameOrEmail": email, "password": PASSWORD})
    client.access_token = body["data"]["login"]["accessToken"]
    body = await client.run("mutation { setup2fa { secret } }")
    secret = body["data"]["setup2fa"]["secret"]
    body = await client.run(
        "mutation($c: String!) { confirm2fa(code: $c) { backupCodes } }",
        c=pyotp.TOTP(secret).now(),
    )
    assert len(body["data"]["confirm2fa"]["backupCodes"]) == 10
    client.access_token = None
    credentials = {"usernameOrEmail": name, "password": PASSWORD}
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the setup code is spent
    body = await client.run(login, i={**credentials, "totpCode": next_code})
    assert "errors" not in body, body
    refresh = "mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken } }"
    body = await client.run(refresh, t=body["data"]["login"]["refreshToken"])
    tokens = body["data"]["refresh"]
    client.access_token = tokens["accessToken"]
    body = await client.run("mutation { logout }")
    assert body == {"data": {"logout": True}}
    # The session is over: its refresh token is refused, and so is its access token.
    client.access_token = None
    body = await client.run(refresh, t=tokens["refreshToken"])
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    client.access_token = tokens["accessToken"]
    body = await client.run("mutation { setup2fa { secret } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_setup2fa_without_a_token_is_refused_by_the_router(client: Client) -> None:
    body = await client.run("mutation { setup2fa { secret } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
