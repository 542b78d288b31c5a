"""The reply stack of the ai tests served by uvicorn in its own process, as the platform runs.

The router with core, mates, ai and the calc app in-process, identity, @auth and @credits on
(tests/subgraphs/ai/reply_support.py `reply_stack`), on the test session's Directus and Valkey,
served the way `python -m router serve` serves it (uvloop, httptools, websockets), on a
SO_REUSEPORT socket so that several of these processes share the port as `serve --workers`
does. The AI benchmark's clients reach it over loopback sockets, so the router's CPU and RSS
are its own. Each process touches `<ready_prefix><pid>` once it serves.

    python -m tests.benchmarks.ai.stack_process CONFIG_JSON

CONFIG_JSON holds the port, the core settings, the keyring, the Valkey port and the provider.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvloop

from router.http.command import uvicorn_server
from router.http.workers import listening_socket
from shared.crypto import ChatKeyManager, LocalKeyring
from shared.directus.client import DirectusClient
from shared.gc_tuning import tune_collector
from subgraphs.core.chats.keys import ChatSettings, use_chat_keys, use_chat_rows, use_chat_settings
from subgraphs.core.chats.rows import ChatRowCache
from subgraphs.core.service import CoreService, use_service
from subgraphs.core.settings import CoreSettings
from tests.shared.conftest import ValkeyServer
from tests.subgraphs.ai.reply_support import reply_stack
from tests.subgraphs.core.chats_support import SHARE_BASE, Chats


def stack_config(chats: Chats, port: int, provider_url: str, ready_prefix: str) -> dict[str, Any]:
    """What the process needs to rebuild the test session's stack (for the parent)."""
    settings = chats.service.settings
    core = {
        name: value.get_secret_value() if hasattr(value, "get_secret_value") else value
        for name, value in settings.model_dump().items()
    }
    return {
        "port": port,
        "core": json.loads(json.dumps(core, default=str)),
        "keyring_path": str(chats.keyring_path),
        "keyring_master": chats.keyring_master,
        "valkey_port": chats.valkey.port,
        "redis_db": chats.redis_db,
        "provider_url": provider_url,
        "ready_prefix": ready_prefix,
    }


async def serve(config: dict[str, Any]) -> None:
    """Build the stack and serve it until the process is stopped."""
    settings = CoreSettings(**config["core"])
    service = CoreService(settings)
    use_service(service)
    keys = ChatKeyManager(LocalKeyring(Path(config["keyring_path"]), config["keyring_master"]))
    use_chat_keys(keys)
    use_chat_rows(ChatRowCache())
    use_chat_settings(ChatSettings(share_base_url=SHARE_BASE))
    token = settings.directus_token.get_secret_value() if settings.directus_token else ""
    async with DirectusClient(settings.directus_url, token) as client:
        # The session's server, run by the parent: only its URLs are used here.
        valkey = ValkeyServer(Path(config["keyring_path"]).parent, config["valkey_port"])
        chats = Chats(
            service,
            client,
            keys,
            Path(config["keyring_path"]),
            valkey,
            config["redis_db"],
            config["keyring_master"],
        )
        with tempfile.TemporaryDirectory() as folder:
            async with reply_stack(chats, Path(folder), config["provider_url"]) as stack:
                server = uvicorn_server(stack.router, "127.0.0.1", config["port"])
                server.config.lifespan = "off"  # reply_stack started the router and stops it
                # Several of these processes may serve one port, as `serve --workers` does.
                sock = listening_socket("127.0.0.1", config["port"], shared=True)
                tune_collector()  # as `python -m router serve`
                serving = asyncio.create_task(server.serve(sockets=[sock]))
                while not server.started and not serving.done():  # noqa: ASYNC110 (no event)
                    await asyncio.sleep(0.05)
                await asyncio.to_thread(Path(f"{config['ready_prefix']}{os.getpid()}").touch)
                await serving
    await service.aclose()


def main() -> None:
    """Read the config file named on the command line and serve."""
    config = json.loads(Path(sys.argv[1]).read_text())
    uvloop.install()
    asyncio.run(serve(config))


if __name__ == "__main__":
    main()
