"""Canary scan: plaintext written through the API exists nowhere the platform stores things.

Unique canaries go into messages, titles (derived and renamed) and an email (signup),
through the router on the local stack's pieces (core in-process, a real Directus, a real
Valkey, a local Brevo). Then the Directus database file, every key and value of every Valkey
database (which holds the Celery queues in the local stack) plus its RDB dump, and the log
files (the platform's JSON log of every logger at DEBUG, and Directus's own log) are searched.
Each scan first finds a control string written in the clear, so a blind scanner cannot pass.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from shared.auth.tokens import issue_access_token
from shared.crypto import ChatKeyManager, LocalKeyring
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.logging import JsonFormatter
from subgraphs.core.chats.keys import ChatSettings, use_chat_keys, use_chat_settings
from subgraphs.core.invites import InviteStore
from subgraphs.core.service import CoreService, use_service
from subgraphs.core.settings import CoreSettings
from tests.shared.conftest import ValkeyServer, valkey_factory
from tests.support.brevo import BrevoServer
from tests.support.directus import directus_template, platform_directus, start_empty_directus
from tests.support.identity import signing_keys, user_identity

__all__ = ["directus_template", "platform_directus", "start_empty_directus", "valkey_factory"]

ROOT = Path(__file__).resolve().parents[2]
INVITE_KEY = secrets.token_urlsafe(32)
CELERY_DB = 1  # the local stack's broker database (shared.celery_app)
SIGNUP = "mutation($input: SignupInput!) { signup(input: $input) { userId } }"
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { chatId } }"""
RENAME = "mutation($c: ID!, $t: String!) { renameChat(chatId: $c, title: $t) { title } }"
SHARE = "mutation($c: ID!) { shareChat(chatId: $c) }"
READ = "query($c: ID!) { chatMessages(chatId: $c) { messages { text } } chat(id: $c) { title } }"


def canary(kind: str) -> str:
    """A string that cannot occur anywhere by chance."""
    return f"CANARY{kind}{secrets.token_hex(8)}"


@dataclass
class Stack:
    """The pieces under test and where they keep things."""

    router: httpx.AsyncClient
    directus: DirectusServer
    valkey: ValkeyServer
    log_file: Path
    settings: CoreSettings


@pytest.fixture
def brevo() -> Iterator[BrevoServer]:
    server = BrevoServer().start()
    yield server
    server.stop()


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Every record of every logger, as the platform writes its log files (JSON lines)."""
    path = tmp_path / "logs" / "platform.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter("canary-scan"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


@pytest.fixture
async def stack(
    platform_directus: DirectusServer,
    valkey_factory: Callable[[], ValkeyServer],
    brevo: BrevoServer,
    log_file: Path,
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    valkey = valkey_factory()
    settings = CoreSettings(
        directus_url=platform_directus.url,
        directus_token=platform_directus.platform_token,
        directus_data_dir=None,
        directus_retries=0,
        invite_hash_key=INVITE_KEY,
        lookup_hash_key=secrets.token_urlsafe(32),
        key_encryption_key=secrets.token_urlsafe(32),
        redis_url=valkey.url(0),
        email={
            "provider": "brevo",
            "brevo_api_key": brevo.api_key,
            "brevo_base_url": brevo.base_url,
        },
    )  # type: ignore[arg-type]
    service = CoreService(settings)
    use_service(service)
    use_chat_keys(ChatKeyManager(LocalKeyring(tmp_path / "keyring.json", secrets.token_hex(32))))
    use_chat_settings(ChatSettings())
    config = RouterConfig(mode="development", plugins={"identity": {"revocation_feed": False}})
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    sdl = (ROOT / "supergraph" / "supergraph.graphql").read_text()
    router = build_router(sdl, config, yaml_transports(supergraph, config))
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
            yield Stack(http, platform_directus, valkey, log_file, settings)
    finally:
        await router.aclose()
        use_chat_settings(None)
        use_chat_keys(None)
        use_service(None)
        await service.aclose()


async def post(stack: Stack, query: str, who: str | None = None, **variables: Any) -> Any:
    """One operation through the router; its data (errors fail the test)."""
    headers = {}
    if who is not None:
        token = issue_access_token(user_identity(who), keys=signing_keys())
        headers["authorization"] = f"Bearer {token}"
    response = await stack.router.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


# --- where things are kept ------------------------------------------------------------------


def database_bytes(server: DirectusServer) -> bytes:
    """The Directus SQLite database with its journal files."""
    files = sorted(server.config.data_dir.glob("*.sqlite*"))
    assert files, f"no SQLite file in {server.config.data_dir}"
    return b"".join(path.read_bytes() for path in files)


async def valkey_bytes(server: ValkeyServer) -> bytes:
    """Every key and value of every database, and an uncompressed RDB dump."""
    found: list[bytes] = []
    admin = Redis.from_url(server.url(0))
    try:
        databases = int((await admin.config_get("databases"))["databases"])
        for db in range(databases):
            found += await _database_contents(Redis.from_url(server.url(db)))
        await admin.config_set("rdbcompression", "no")
        await admin.save()
    finally:
        await admin.aclose()
    dump = server.workdir / "dump.rdb"
    return b"\n".join(found) + (dump.read_bytes() if dump.exists() else b"")


async def _database_contents(client: Redis) -> list[bytes]:
    found: list[bytes] = []
    try:
        async for key in client.scan_iter(count=500):
            found.append(key)
            kind = (await client.type(key)).decode()
            if kind == "string":
                found.append(await client.get(key) or b"")
            elif kind == "hash":
                found += [b for pair in (await client.hgetall(key)).items() for b in pair]
            elif kind == "list":
                found += await client.lrange(key, 0, -1)
            elif kind == "set":
                found += list(await client.smembers(key))
            elif kind == "zset":
                found += await client.zrange(key, 0, -1)
            elif kind == "stream":
                found += [repr(entry).encode() for entry in await client.xrange(key)]
    finally:
        await client.aclose()
    return found


def log_bytes(stack: Stack) -> bytes:
    """The platform's log file and Directus's own log files."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = [stack.log_file, *stack.directus.config.data_dir.glob("*.log")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def hits(data: bytes, canaries: list[str]) -> list[str]:
    """The canaries present in `data` (they are ASCII letters and digits: no escaped forms)."""
    return [c for c in canaries if c.encode() in data]


# --- the scan -------------------------------------------------------------------------------


async def test_no_canary_reaches_the_database_valkey_logs_or_celery(stack: Stack) -> None:
    async with DirectusClient.from_settings(stack.settings) as client:
        invite, _ = await InviteStore(client, INVITE_KEY.encode()).create()
    email = f"{canary('EMAIL').lower()}@example.com"
    signup = {"inviteCode": invite, "username": f"u{secrets.token_hex(5)}", "email": email}
    user_id = (await post(stack, SIGNUP, input={**signup, "password": "canary pass phrase"}))[
        "signup"
    ]["userId"]
    message, title, renamed = canary("MSG"), canary("TITLE"), canary("RENAMED")
    chat_id = (await post(stack, SEND, user_id, input={"text": f"{title}\nfirst"}))["sendMessage"][
        "chatId"
    ]
    await post(stack, SEND, user_id, input={"text": f"body {message} end", "chatId": chat_id})
    other = (await post(stack, SEND, user_id, input={"text": "another chat"}))["sendMessage"]
    await post(stack, RENAME, user_id, c=other["chatId"], t=renamed)
    await post(stack, SHARE, user_id, c=chat_id)
    read = await post(stack, READ, user_id, c=chat_id)
    assert read["chat"]["title"] == title  # the API did get them
    assert any(message in m["text"] for m in read["chatMessages"]["messages"])
    # Controls written in the clear: each scanner must find its own.
    control_db, control_valkey, control_log = canary("CTLDB"), canary("CTLKV"), canary("CTLLOG")
    async with DirectusClient.from_settings(stack.settings) as client:
        await client.create_item("mates", {"name": control_db, "builtin": False})
    celery = Redis.from_url(stack.valkey.url(CELERY_DB))
    await celery.lpush("celery", control_valkey.encode())
    await celery.aclose()
    logging.getLogger("mateway.canary").warning("control %s", control_log)

    canaries = [email, message, title, renamed]
    database, valkey, logs = (
        database_bytes(stack.directus),
        await valkey_bytes(stack.valkey),
        log_bytes(stack),
    )
    assert hits(database, [control_db]) == [control_db]
    assert hits(valkey, [control_valkey]) == [control_valkey]
    assert hits(logs, [control_log]) == [control_log]
    assert {
        "database": hits(database, canaries),
        "valkey and celery": hits(valkey, canaries),
        "logs": hits(logs, canaries),
    } == {"database": [], "valkey and celery": [], "logs": []}
