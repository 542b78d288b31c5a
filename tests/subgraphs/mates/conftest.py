"""The mates app on a real Directus with the platform schema, called as the router would."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.identity import CallerKind, Identity, Role
from subgraphs.mates.app import app
from subgraphs.mates.runtime import MatesRuntime, use_runtime
from subgraphs.mates.settings import MatesSettings
from tests.support.directus import directus_template, platform_directus, start_empty_directus
from tests.support.identity import internal_headers, user_identity

__all__ = ["directus_template", "platform_directus", "start_empty_directus"]

INSTALLED_APPS = frozenset({"web", "pdf"})


def mates_settings(server: DirectusServer) -> MatesSettings:
    """Mates settings pointing at a test Directus, with two installed apps."""
    return MatesSettings(
        directus_url=server.url,
        directus_token=server.platform_token,  # type: ignore[arg-type]
        directus_data_dir=None,
        directus_retries=0,
        installed_apps=INSTALLED_APPS,
    )


@pytest.fixture
async def mates_runtime(platform_directus: DirectusServer) -> AsyncIterator[MatesRuntime]:
    """The app's runtime pointed at the test Directus for the test's duration."""
    runtime = MatesRuntime(mates_settings(platform_directus))
    use_runtime(runtime)
    yield runtime
    use_runtime(None)
    await runtime.aclose()


@dataclass
class Caller:
    """A user calling the mates subgraph through its /graphql, with the router's token."""

    user_id: str
    identity: Identity

    async def run(self, query: str, **variables: Any) -> tuple[Any, list[dict[str, Any]]]:
        """(data, errors) of one operation."""
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mates") as client:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers=internal_headers(self.identity),
            )
        assert response.status_code == 200, response.text
        body = response.json()
        return body.get("data"), body.get("errors") or []

    async def ok(self, query: str, **variables: Any) -> Any:
        """The data of an operation that must succeed."""
        data, errors = await self.run(query, **variables)
        assert not errors, errors
        return data

    async def error_code(self, query: str, **variables: Any) -> str:
        """The code of the one error an operation must fail with."""
        _, errors = await self.run(query, **variables)
        assert len(errors) == 1, errors
        return str(errors[0]["extensions"]["code"])

    async def chat(self, directus: DirectusClient) -> str:
        """A new chat row owned by this user (as core stores it)."""
        row = await directus.create_item("chats", {"owner": self.user_id, "wrapped_key": "k"})
        return str(row["id"])


async def new_caller(directus: DirectusClient, *, api_key_scopes: str | None = None) -> Caller:
    """A fresh Directus user; with `api_key_scopes` the caller is an API key of that user."""
    user = await directus.create_user({"email": f"m-{uuid.uuid4().hex[:10]}@example.com"})
    user_id = str(user["id"])
    if api_key_scopes is None:
        return Caller(user_id, user_identity(user_id))
    identity = Identity(
        kind=CallerKind.API_KEY,
        role=Role.USER,
        user_id=user_id,
        api_key_id=f"key-{user_id}",
        scopes=frozenset(api_key_scopes.split(",")),
    )
    return Caller(user_id, identity)


@pytest.fixture
async def alice(directus: DirectusClient, mates_runtime: MatesRuntime) -> Caller:
    """A signed-in user."""
    return await new_caller(directus)


@pytest.fixture
async def bob(directus: DirectusClient, mates_runtime: MatesRuntime) -> Caller:
    """Another signed-in user."""
    return await new_caller(directus)
