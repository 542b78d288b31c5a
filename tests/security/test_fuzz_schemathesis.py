"""Fuzzing the router with schemathesis in GraphQL mode (property-based, bounded).

The router serves the platform supergraph (core, mates and ai in-process, as the local
install runs them) on uvicorn, over a real Directus and Valkey. Schemathesis generates
queries and mutations from the committed API schema (schema/schema.graphql) and posts them
to /graphql as anonymous callers and as a signed-in user. No answer may be a 5xx, and
neither the router nor any subgraph may log an error (an unhandled exception).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from graphql import IntValueNode, NullValueNode, StringValueNode
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from shared.auth.tokens import issue_access_token
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from subgraphs.ai.runtime import use_runtime as use_ai_runtime
from subgraphs.core.service import use_service
from subgraphs.mates.runtime import use_runtime as use_mates_runtime
from tests.shared.conftest import ValkeyServer, valkey
from tests.support.directus import directus_template, platform_directus, start_empty_directus
from tests.support.identity import signing_keys, user_identity
from tests.support.servers import UvicornThread

__all__ = ["directus_template", "platform_directus", "start_empty_directus", "valkey"]

ROOT = Path(__file__).resolve().parents[2]
API_SCHEMA = ROOT / "schema" / "schema.graphql"
SUPERGRAPH = (ROOT / "supergraph" / "supergraph.graphql").read_text()
MAX_EXAMPLES = 800  # about 7 s here (in-process apps); TIME_BUDGET_SECONDS caps a slow machine
TIME_BUDGET_SECONDS = 50.0

# Custom scalars of the API schema: values of the right shape, and some of the wrong one.
schemathesis.graphql.scalar(
    "DateTime",
    st.sampled_from(["2026-01-01T00:00:00Z", "not a date", ""]).map(
        lambda v: StringValueNode(value=v)
    ),
)
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.text(max_size=20).map(lambda v: StringValueNode(value=v)),
        st.integers(-10, 10).map(lambda v: IntValueNode(value=str(v))),
    ),
)
# A file cannot travel in a JSON body: null (refused by validation for Upload!) or a string.
schemathesis.graphql.scalar(
    "Upload",
    st.sampled_from([NullValueNode(), StringValueNode(value="not-a-file")]),
)


class ErrorRecords(logging.Handler):
    """Keeps every record at ERROR or above, from any thread (uvicorn's included)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors_logged() -> Iterator[ErrorRecords]:
    """Error records logged while the test runs."""
    handler = ErrorRecords()
    # uvicorn's own loggers do not propagate to the root ("Exception in ASGI application").
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@pytest.fixture
def router_url(
    platform_directus: DirectusServer,
    valkey: ValkeyServer,
    monkeypatch: pytest.MonkeyPatch,
    serve_asgi: Callable[[Any], UvicornThread],
    tmp_path: Path,
) -> str:
    """The platform router on uvicorn; the apps build their services from the environment."""
    env = {
        "MATEWAY_DIRECTUS_URL": platform_directus.url,
        "MATEWAY_DIRECTUS_TOKEN": platform_directus.platform_token,
        "MATEWAY_REDIS_URL": valkey.url(6),
        "MATEWAY_INVITE_HASH_KEY": secrets.token_urlsafe(32),
        "MATEWAY_LOOKUP_HASH_KEY": secrets.token_urlsafe(32),
        "MATEWAY_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "MATEWAY_DATA_DIR": str(tmp_path),  # the chat keyring, never the repository's data/
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Each app builds its process-wide service on the server's loop from this environment,
    # not from what an earlier test left behind.
    use_service(None)
    use_mates_runtime(None)
    use_ai_runtime(None)
    plugins: dict[str, dict[str, Any]] = {
        "identity": {"redis_url": valkey.url(6)},
        "csrf": {},
        "limits": {"max_depth": 12, "max_aliases": 30, "max_tokens": 5000},
        "auth": {},
    }
    config = RouterConfig(mode="production", plugins=plugins)
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    router = build_router(SUPERGRAPH, config, yaml_transports(supergraph, config))
    return serve_asgi(router).url


@pytest.fixture
async def fuzz_user(platform_directus: DirectusServer) -> AsyncIterator[str]:
    """A real Directus user the signed-in caller is (deleted with what the fuzzing left)."""
    url, token = platform_directus.url, platform_directus.platform_token
    async with DirectusClient(url, token) as directus:
        user = await directus.create_user({"platform_role": "user", "status": "active"})
        yield str(user["id"])
        await directus.delete_user(user["id"])


def test_fuzzed_operations_get_no_5xx_and_log_no_errors(
    router_url: str, fuzz_user: str, errors_logged: ErrorRecords
) -> None:
    schema = schemathesis.graphql.from_path(API_SCHEMA)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 20  # every root field of Query and Mutation
    cases = st.one_of(*(operation.as_strategy() for operation in operations))
    token = issue_access_token(user_identity(fuzz_user), keys=signing_keys())
    callers = st.sampled_from([{}, {"authorization": f"Bearer {token}"}])
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    failures: list[str] = []
    seen: list[tuple[int, str]] = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: a failure is reported with its body as is
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, headers=callers)
    def fuzz(case: Any, headers: dict[str, str]) -> None:
        if time.monotonic() > deadline:
            return
        response = case.call(base_url=f"{router_url}/graphql", headers=headers, timeout=10)
        seen.append((response.status_code, response.text[:160]))
        if response.status_code >= 500:
            failures.append(f"{response.status_code} for {case.body!r}: {response.text[:300]}")

    fuzz()
    # The fuzzing reached the resolvers: some answers carry data, not only refusals.
    assert len(seen) >= 100
    assert any('"data":{' in body for _, body in seen)
    assert not failures, "\n".join(failures[:5])
    logged = [f"{r.name}: {r.getMessage()}" for r in errors_logged.records]
    assert not logged, "\n".join(logged[:5])
