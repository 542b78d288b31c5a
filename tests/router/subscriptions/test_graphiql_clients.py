"""The clients GraphiQL uses, against the router: the vendored graphql-ws bundle (in Node).

GraphiQL's page sends subscriptions through ``graphqlWs.createClient``; running that
same vendored file in Node 22 (which has a WebSocket global) proves the router speaks
the protocol as the page's client expects.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.router.http.fixtures import make_router
from tests.support.servers import REPO_ROOT, UvicornThread

BUNDLE = REPO_ROOT / "router" / "http" / "static" / "graphiql" / "graphql-ws.min.js"
NODE = shutil.which("node", path=str(REPO_ROOT / ".venv" / "bin"))

SCRIPT = """
const graphqlWs = require(process.argv[1]);  // the UMD bundle, loaded as CommonJS
const client = graphqlWs.createClient({ url: process.argv[2], retryAttempts: 0 });
const events = [];
client.subscribe(
  { query: process.argv[3] },
  {
    next: (value) => events.push(value),
    error: (error) => { console.log(JSON.stringify({ error: String(error) })); process.exit(1); },
    complete: () => { console.log(JSON.stringify({ events })); client.dispose(); process.exit(0); },
  },
);
setTimeout(() => { console.log(JSON.stringify({ timeout: events })); process.exit(2); }, 8000);
"""


def _run_client(url: str, query: str) -> dict[str, Any]:
    assert NODE is not None, "node is missing from .venv/bin: run scripts/bootstrap.sh"
    result = subprocess.run(
        [NODE, "-e", SCRIPT, str(BUNDLE), url, query],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    output: dict[str, Any] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    return output


@pytest.mark.skipif(not Path(BUNDLE).is_file(), reason="vendored GraphiQL assets missing")
def test_graphiql_graphql_ws_client_receives_each_event(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    router = serve_asgi(make_router())
    url = router.url.replace("http", "ws") + "/graphql"
    query = "subscription { reviewAdded(count: 2) { body author { name } } }"
    assert _run_client(url, query) == {
        "events": [
            {"data": {"reviewAdded": {"body": "Great", "author": {"name": "Ada"}}}},
            {"data": {"reviewAdded": {"body": "Meh", "author": {"name": "Brian"}}}},
        ]
    }
