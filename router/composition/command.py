"""`python -m router compose`: fetch each subgraph's SDL, compose, write the generated files."""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

from router.composition.compose import Composed, compose
from router.composition.errors import CompositionError, CompositionIssue
from router.composition.subgraph import SubgraphSchema
from router.supergraph_config import SubgraphEntry, SupergraphConfig, build_transport
from router.transports import SubgraphTransport
from shared.auth.internal import service_headers

SDL_QUERY = "query SubgraphSdl { _service { sdl } }"
T = TypeVar("T")


async def fetch_sdl(name: str, transport: SubgraphTransport) -> str:
    """A subgraph's `_service { sdl }`; raises `CompositionError` when it cannot be read."""
    try:
        response = await _in_process_sdl(transport)
        if response is None:
            # The platform's own internal token: app kit subgraphs answer nothing without one.
            headers = service_headers()
            response = await transport.execute(
                SDL_QUERY, operation_name="SubgraphSdl", headers=headers
            )
    except Exception as error:  # any transport failure means the subgraph is unreachable
        raise _unavailable(name, f"{type(error).__name__}: {error}") from None
    service = (response.get("data") or {}).get("_service") or {}
    sdl = service.get("sdl")
    if not isinstance(sdl, str):
        raise _unavailable(
            name, f"no _service.sdl in the response (errors: {response.get('errors')})"
        )
    return sdl


async def _in_process_sdl(transport: SubgraphTransport) -> dict[str, Any] | None:
    """An in-process app kit app answers from its schema directly: no token is needed to
    compose locally (a network subgraph gets the SERVICE token instead); None for others."""
    from shared.apps.factory import bundle_of

    bundle = bundle_of(getattr(transport, "app", None))
    if bundle is None:
        return None
    result = await bundle.schema.execute(SDL_QUERY, operation_name="SubgraphSdl")
    return {"data": result.data, "errors": [str(e) for e in result.errors or []] or None}


def _unavailable(name: str, detail: str) -> CompositionError:
    message = f'Could not read the SDL of subgraph "{name}": {detail}'
    return CompositionError([CompositionIssue("SUBGRAPH_SDL_UNAVAILABLE", message)])


async def _fetch_one(
    name: str, entry: SubgraphEntry, given: SubgraphTransport | None
) -> SubgraphSchema:
    # HTTP clients are bound to the loop that opened them: use a fresh one and close it.
    transport = given or build_transport(entry)
    try:
        sdl = await fetch_sdl(name, transport)
    finally:
        if given is None:
            await transport.aclose()
    return SubgraphSchema(name, entry.routing_url(name), sdl)


async def fetch_subgraphs(
    config: SupergraphConfig, transports: Mapping[str, SubgraphTransport] | None = None
) -> list[SubgraphSchema]:
    """Every subgraph of supergraph.yaml with its SDL (fetched concurrently), in file order."""
    fetches = [
        _fetch_one(name, entry, (transports or {}).get(name) if entry.module else None)
        for name, entry in config.subgraphs.items()
    ]
    return list(await asyncio.gather(*fetches))


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine to completion, also when called from inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    thread = threading.Thread(target=target, name="compose-fetch")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def compose_from_config(
    config: SupergraphConfig, transports: Mapping[str, SubgraphTransport] | None = None
) -> Composed:
    """Fetches the subgraphs of a supergraph.yaml and composes them."""
    return compose(_run(fetch_subgraphs(config, transports)))


def compose_supergraph_sdl(
    config: SupergraphConfig, transports: Mapping[str, SubgraphTransport] | None = None
) -> str:
    """The supergraph SDL for a supergraph.yaml (used by `serve` without `--supergraph`)."""
    return compose_from_config(config, transports).supergraph_sdl


def write_if_changed(path: Path, text: str) -> bool:
    """Writes `text` (newline-terminated) unless the file already holds it."""
    content = text if text.endswith("\n") else text + "\n"
    if path.exists() and path.read_text() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return True


def run_compose(args: argparse.Namespace) -> int:
    """CLI entry: 0 when composed and written, 1 on composition errors."""
    config = SupergraphConfig.load(Path(args.config))
    try:
        composed = compose_from_config(config)
    except CompositionError as error:
        print(f"Composition failed with {len(error.issues)} error(s):", file=sys.stderr)
        for issue in error.issues:
            print(f"  - {issue}", file=sys.stderr)
        return 1
    for path, text in (
        (Path(args.output), composed.supergraph_sdl),
        (Path(args.api_schema), composed.api_schema_sdl),
    ):
        state = "written" if write_if_changed(path, text) else "unchanged"
        print(f"{path}: {state}")
    return 0
