"""Composition reads `_service { sdl }` of app kit subgraphs: in-process, or with a token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from router.composition.command import fetch_sdl
from router.composition.errors import CompositionError
from router.http.subgraph_clients import HttpTransport
from tests.router.plugins.identity_fixtures.whoami.app import app as whoami_app
from tests.support.servers import UvicornThread


async def test_network_subgraph_sdl_is_read_with_the_service_token(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(whoami_app)
    transport = HttpTransport(server.url + "/graphql", service_name="whoami")
    try:
        sdl = await fetch_sdl("whoami", transport)
    finally:
        await transport.aclose()
    assert "whoami: String!" in sdl


async def test_without_a_signing_key_a_network_subgraph_refuses_composition(
    serve_asgi: Callable[[Any], UvicornThread], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve_asgi(whoami_app)
    monkeypatch.delenv("MATEWAY_SIGNING_KEY")
    transport = HttpTransport(server.url + "/graphql", service_name="whoami")
    try:
        with pytest.raises(CompositionError, match="x-mateway-identity"):
            await fetch_sdl("whoami", transport)
    finally:
        await transport.aclose()
