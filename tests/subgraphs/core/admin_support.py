"""A router (committed supergraph, identity plugin) over the core app, and signed-up users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from tests.shared.conftest import ValkeyServer
from tests.subgraphs.core.accounts_support import PASSWORD, Accounts, unique_name

ROOT = Path(__file__).resolve().parents[3]
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }"


@dataclass
class Member:
    """A signed-up, confirmed user."""

    id: str
    username: str
    email: str


class RouterClient:
    """Posts operations to the router from one client IP, with a bearer token or not."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def run(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        """The response body of one operation."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def login(self, name: str, password: str = PASSWORD) -> dict[str, Any]:
        """The login answer (body)."""
        return await self.run(LOGIN, i={"usernameOrEmail": name, "password": password})

    async def token(self, name: str) -> str:
        """An access token of a user (the login must succeed)."""
        body = await self.login(name)
        assert "errors" not in body, body
        token: str = body["data"]["login"]["accessToken"]
        return token


@asynccontextmanager
async def router_client(
    valkey: ValkeyServer, db: int, ip: str = "203.0.113.7"
) -> AsyncIterator[Callable[[str], RouterClient]]:
    """A router; the yielded function makes a client whose peer address is the given IP."""
    config = RouterConfig(mode="development", plugins={"identity": {"redis_url": valkey.url(db)}})
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    sdl = (ROOT / "supergraph" / "supergraph.graphql").read_text()
    router = build_router(sdl, config, yaml_transports(supergraph, config))
    clients: list[httpx.AsyncClient] = []

    def client(peer: str = ip) -> RouterClient:
        transport = httpx.ASGITransport(app=router, client=(peer, 40000))
        http = httpx.AsyncClient(transport=transport, base_url="http://router")
        clients.append(http)
        return RouterClient(http)

    try:
        yield client
    finally:
        for http in clients:
            await http.aclose()
        await router.aclose()


async def sign_up(accounts: Accounts, *, admin: bool = False, invite: str | None = None) -> Member:
    """A confirmed user (made admin directly in Directus when asked)."""
    name, email = unique_name(), f"{unique_name('e')}@example.com"
    code = invite or await accounts.invite()
    data, errors = await accounts.run(
        "mutation($i: SignupInput!) { signup(input: $i) { userId } }",
        i={"inviteCode": code, "username": name, "email": email, "password": PASSWORD},
    )
    assert not errors, errors
    assert data is not None
    user_id = data["signup"]["userId"]
    _, errors = await accounts.run(
        "mutation($e: String!, $c: String!) { verifyEmailCode(email: $e, code: $c) }",
        e=email,
        c=accounts.last_code(email),
    )
    assert not errors, errors
    if admin:
        await accounts.service.directus().update_user(user_id, {"platform_role": "admin"})
    return Member(user_id, name, email)
