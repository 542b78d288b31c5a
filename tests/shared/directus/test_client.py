"""The async Directus client against a real Directus with the platform schema."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.directus.access import DirectusServiceSettings
from shared.directus.api_errors import DirectusApiError
from shared.directus.client import DirectusClient, RetryPolicy
from shared.directus.loaders import DirectusLoaders, collection_loader
from shared.directus.runtime import DirectusServer
from shared.errors import ErrorCode
from shared.health import HealthChecker
from tests.support.collector import collector_off
from tests.support.ports import free_port

FAST_RETRY = RetryPolicy(retries=2, base_delay=0.01, max_delay=0.05)


class CountingTransport(httpx.AsyncHTTPTransport):
    """A real HTTP transport that remembers every request it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await super().handle_async_request(request)


@pytest.fixture
async def client(platform_directus: DirectusServer) -> AsyncIterator[DirectusClient]:
    async with DirectusClient(
        platform_directus.url, platform_directus.platform_token, retry=FAST_RETRY
    ) as made:
        yield made


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_items_are_created_read_updated_and_deleted(client: DirectusClient) -> None:
    name = _name("crud")
    created = await client.create_item("apps", {"name": name, "version": "1.0"})
    assert created["name"] == name and created["enabled"] is True  # default filled in
    assert await client.read_item("apps", created["id"], fields=["name", "version"]) == {
        "name": name,
        "version": "1.0",
    }
    updated = await client.update_item("apps", created["id"], {"version": "2.0"})
    assert updated["version"] == "2.0"
    await client.delete_item("apps", created["id"])
    assert await client.read_item("apps", created["id"]) is None


async def test_read_items_filters_sorts_limits_and_picks_fields(client: DirectusClient) -> None:
    tag = _name("list")
    await client.create_items(
        "apps", [{"name": f"{tag}-{n}", "version": str(n)} for n in (2, 1, 3)]
    )
    rows = await client.read_items(
        "apps",
        filter={"name": {"_starts_with": tag}},
        fields=["name", "version"],
        sort=["-version"],
        limit=2,
    )
    assert rows == [
        {"name": f"{tag}-3", "version": "3"},
        {"name": f"{tag}-2", "version": "2"},
    ]


async def test_duplicate_unique_value_is_a_conflict(client: DirectusClient) -> None:
    name = _name("dup")
    await client.create_item("apps", {"name": name})
    with pytest.raises(DirectusApiError) as caught:
        await client.create_item("apps", {"name": name})
    assert caught.value.code is ErrorCode.CONFLICT
    assert caught.value.directus_code == "RECORD_NOT_UNIQUE"
    assert caught.value.details.get("field") == "name"
    assert caught.value.context == {}  # Directus's internals are not sent to clients


async def test_missing_required_value_is_bad_input(client: DirectusClient) -> None:
    with pytest.raises(DirectusApiError) as caught:
        await client.create_item("apps", {"version": "1"})
    assert caught.value.code is ErrorCode.BAD_USER_INPUT
    assert caught.value.status == 400


async def test_token_without_permissions_is_forbidden(
    client: DirectusClient, platform_directus: DirectusServer
) -> None:
    token = uuid.uuid4().hex
    user = await client.create_user({"email": f"{_name('norole')}@example.com", "token": token})
    try:
        async with DirectusClient(platform_directus.url, token) as weak:
            with pytest.raises(DirectusApiError) as caught:
                await weak.create_item("apps", {"name": _name("nope")})
        assert caught.value.code is ErrorCode.FORBIDDEN
        assert caught.value.directus_code == "FORBIDDEN"
    finally:
        await client.delete_user(user["id"])


async def test_unknown_token_is_unauthenticated(platform_directus: DirectusServer) -> None:
    async with DirectusClient(platform_directus.url, "not-a-token", retry=FAST_RETRY) as bad:
        with pytest.raises(DirectusApiError) as caught:
            await bad.read_items("apps")
    assert caught.value.code is ErrorCode.UNAUTHENTICATED
    assert caught.value.status == 401


async def test_users_are_created_found_updated_and_deleted(client: DirectusClient) -> None:
    username = _name("user")
    user = await client.create_user({"email": f"{username}@example.com", "username": username})
    found = await client.read_users(filter={"username": {"_eq": username}}, fields=["id"])
    assert found == [{"id": user["id"]}]
    await client.update_user(user["id"], {"platform_role": "admin"})
    assert (await client.read_user(user["id"], fields=["platform_role"])) == {
        "platform_role": "admin"
    }
    await client.delete_user(user["id"])
    assert await client.read_user(user["id"]) is None
    me = await client.current_user(fields=["email"])
    assert me["email"] == "platform@mateway.example.com"


async def test_uploaded_file_reads_back_byte_for_byte(client: DirectusClient) -> None:
    content = bytes(range(256)) * 8
    stored = await client.upload_file(
        "blob.bin", content, "application/octet-stream", fields={"title": "a blob"}
    )
    assert stored["title"] == "a blob" and int(stored["filesize"]) == len(content)
    assert await client.read_file_content(stored["id"]) == content


async def test_ping_and_health_check_report_up_and_down(client: DirectusClient) -> None:
    assert await client.ping()
    async with DirectusClient(f"http://127.0.0.1:{free_port()}", "x") as nobody:
        checker = HealthChecker("test", {"up": client.health_check()})
        checker.add("down", nobody.health_check())
        report = await checker.run()
    assert report.down == ["down"]


async def test_client_from_settings_uses_the_data_folder_token(
    platform_directus: DirectusServer,
) -> None:
    settings = DirectusServiceSettings(directus_data_dir=platform_directus.config.data_dir)
    async with DirectusClient.from_settings(settings) as made:
        assert made.url == platform_directus.url
        me = await made.current_user(fields=["email"])
    assert me["email"] == "platform@mateway.example.com"


async def test_loader_batches_ids_into_one_request(platform_directus: DirectusServer) -> None:
    transport = CountingTransport()
    async with DirectusClient(
        platform_directus.url, platform_directus.platform_token, transport=transport
    ) as counted:
        tag = _name("batch")
        rows = await counted.create_items("apps", [{"name": f"{tag}-{n}"} for n in range(7)])
        ids = [row["id"] for row in rows]
        transport.requests.clear()
        loader = collection_loader(counted, "apps", fields=["name"])
        missing = str(uuid.uuid4())
        loaded = await asyncio.gather(*(loader.load(key) for key in [*ids, missing, ids[0]]))
    names = [row["name"] for row in rows]  # a batch create returns rows in any order
    assert [row["name"] if row else None for row in loaded] == [*names, None, names[0]]
    assert len(transport.requests) == 1
    assert '"_in"' in transport.requests[0].url.params["filter"]


async def test_loaders_split_batches_and_cache_per_request(
    platform_directus: DirectusServer,
) -> None:
    transport = CountingTransport()
    async with DirectusClient(
        platform_directus.url, platform_directus.platform_token, transport=transport
    ) as counted:
        rows = await counted.create_items("apps", [{"name": _name("split")} for _ in range(5)])
        ids = [row["id"] for row in rows]
        transport.requests.clear()
        small = collection_loader(counted, "apps", max_batch_size=2)
        await asyncio.gather(*(small.load(key) for key in ids))
        assert len(transport.requests) == 3  # 2 + 2 + 1
        loaders = DirectusLoaders(counted)
        assert loaders["apps"] is loaders["apps"]
        await loaders["apps"].load(ids[0])
        await loaders["apps"].load(ids[0])  # served from this request's cache
        assert len(transport.requests) == 4


async def test_calls_leave_nothing_for_the_cyclic_collector(client: DirectusClient) -> None:
    # httpx's response and its stream refer to each other: without unlinking them, each call's
    # request and response would wait for a collector pass (which stops the whole process).
    with collector_off():
        for index in range(10):
            row = {"name": _name(f"cycle-{index}"), "version": "1.0"}
            [created] = await client.create_items("apps", [row], fields=("id",))
            await client.read_item("apps", created["id"])
        assert not [thing for thing in gc.get_objects() if isinstance(thing, httpx.Response)]
