"""What the ai app shares across requests: settings, the model router, skills, clients.

The chat rows, keys, Directus and Redis are core's (the ai app runs in the same process in
local mode with the same settings), reached through core's own service objects.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from shared.apps.app_settings import load_app_settings
from shared.apps.manifest import MANIFEST_FILE, load_manifest
from shared.errors import ErrorCode, MatewayError
from shared.httpx_client import AsyncClient
from subgraphs.ai.cancel_hub import CancelHub
from subgraphs.ai.config import ModelsConfig, enabled_providers, load_models_config
from subgraphs.ai.preprocessing import (
    OpenAIModerator,
    Preprocessor,
    install_preprocessor,
    installed_preprocessor,
)
from subgraphs.ai.providers.router import ModelRouter
from subgraphs.ai.settings import AiSettings
from subgraphs.ai.tools import ToolCatalog

SUBGRAPHS_ROOT = Path(__file__).resolve().parents[1]


class AiRuntime:
    """One per process (see `current_runtime`); tests build their own and install it."""

    def __init__(
        self,
        settings: AiSettings,
        *,
        models: ModelsConfig | None = None,
        env: dict[str, str] | None = None,
        tools: ToolCatalog | None = None,
        router_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.models = models or load_models_config()
        self._env = env
        self._tools = tools
        self._router_transport = router_transport
        self._model_router: ModelRouter | None = None
        self.cancel_hub = CancelHub()
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._preprocessor: Preprocessor | None = None

    def model_router(self) -> ModelRouter:
        """The providers the environment enables; NoProviderConfigured (AI_NOT_CONFIGURED)."""
        if self._model_router is None:
            # Built on first use so that a server without providers still starts.
            self._model_router = ModelRouter.from_config(self.models, self._env)
        return self._model_router

    def tools(self) -> ToolCatalog:
        """Every installed app's skills as tools (read once)."""
        if self._tools is None:
            self._tools = ToolCatalog.from_apps(str(SUBGRAPHS_ROOT))
        return self._tools

    def router_http(self) -> httpx.AsyncClient:
        """The HTTP client tool calls use to reach the router (one per event loop)."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            self._http = AsyncClient(
                transport=self._router_transport, timeout=httpx.Timeout(60.0, connect=5.0)
            )
            self._loop = loop
        return self._http

    def moderator(self) -> OpenAIModerator | None:
        """The moderator `moderation_provider` names; AI_NOT_CONFIGURED if it is not enabled."""
        name = self.settings.moderation_provider
        if not name:
            return None
        enabled = enabled_providers(self.models, os.environ if self._env is None else self._env)
        provider = enabled.get(name)
        if provider is None:
            raise MatewayError(
                ErrorCode.AI_NOT_CONFIGURED,
                f"moderation_provider {name!r} is not an enabled provider of models.yml "
                "(check its URL and API key variables).",
            )
        timeouts = provider.config.timeouts
        return OpenAIModerator(
            provider.base_url,
            provider.api_key,
            self.settings.moderation_model,
            timeout=timeouts.first_byte,
        )

    def install_preprocessing(self) -> None:
        """Installs a preprocessor from the settings (one installed by hand is kept).

        Its child process starts with the first message it analyses, not here: an idle
        platform does not hold the model's memory (about 175 MB per router process; the
        platform's idle RSS goal, tests/platform/test_start_server.py). The first message
        after a start waits for the child's spawn and model load (about a second), and only
        its preprocessing event does unless a moderator gates the text.
        """
        if self._preprocessor is None:
            if installed_preprocessor() is not None:
                return  # one installed by hand (a test's own) is kept
            self._preprocessor = Preprocessor(
                moderator=self.moderator(), child_process=self.settings.preprocessing_child_process
            )
            install_preprocessor(self._preprocessor)

    async def stop_preprocessing(self) -> None:
        """Stops the preprocessor's child process and waits for it to exit."""
        if self._preprocessor is not None:
            await self._preprocessor.aclose()

    async def aclose(self) -> None:
        """Close the providers' pools, the cancel listener, the router client, preprocessing."""
        await self.stop_preprocessing()
        if self._preprocessor is not None and installed_preprocessor() is self._preprocessor:
            install_preprocessor(None)
        self._preprocessor = None
        await self.cancel_hub.aclose()
        if self._model_router is not None:
            await self._model_router.aclose()
            self._model_router = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None


_current: list[AiRuntime] = []


def current_runtime() -> AiRuntime:
    """The process's runtime, built from AiSettings on first use."""
    if not _current:
        source = Path(__file__).with_name(MANIFEST_FILE)
        settings = load_app_settings(AiSettings, load_manifest(source), source)
        runtime = AiRuntime(settings)
        runtime.install_preprocessing()
        _current.append(runtime)
    return _current[0]


def use_runtime(runtime: AiRuntime | None) -> None:
    """Install `runtime` for this process (None: build from settings on next use)."""
    if runtime is not None:
        runtime.install_preprocessing()
    _current[:] = [runtime] if runtime is not None else []


@asynccontextmanager
async def ai_lifespan(_app: object) -> AsyncIterator[None]:
    """The ai app's ASGI lifespan: preprocessing is installed at start; its child process, if
    one was started, is stopped at shutdown."""
    runtime: AiRuntime | None = None
    try:
        runtime = current_runtime()  # installs preprocessing
    except MatewayError:  # misconfigured moderation: each reply answers it, as before
        logging.getLogger("mateway.ai").exception("ai runtime not started")
    try:
        yield
    finally:
        if runtime is not None:
            await runtime.stop_preprocessing()
