"""The GraphiQL page at ``GET /graphql`` and its vendored assets (works offline).

Queries and mutations go over POST; subscriptions over graphql-transport-ws on
the same path (``graphql-ws`` client). Assets come from ``static/graphiql``,
pinned in its package-lock.json (``static/graphiql/update.sh`` refreshes them).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

ASSET_PREFIX = "/graphiql/"
_ASSET_DIR = Path(__file__).parent / "static" / "graphiql"
_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

GRAPHIQL_HTML = b"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Mateway GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphql-ws.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script>
    const wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host
      + location.pathname;
    const fetcher = GraphiQL.createFetcher({
      url: location.pathname,
      wsClient: graphqlWs.createClient({ url: wsUrl, lazy: true }),
    });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true })
    );
  </script>
</body>
</html>
"""


@cache
def asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and content type of a vendored asset, or None for unknown names."""
    path = _ASSET_DIR / name
    content_type = _CONTENT_TYPES.get(path.suffix)
    if content_type is None or "/" in name or not path.is_file():
        return None
    return path.read_bytes(), content_type
