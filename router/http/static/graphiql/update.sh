#!/usr/bin/env bash
# Re-vendors the GraphiQL page's assets from the pinned npm packages (package-lock.json).
# The router serves these files itself so GraphiQL works with no internet access.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --no-audit --no-fund >/dev/null)
modules="$work/node_modules"
cp "$modules/graphiql/graphiql.min.js" "$modules/graphiql/graphiql.min.css" "$here/"
cp "$modules/react/umd/react.production.min.js" "$here/"
cp "$modules/react-dom/umd/react-dom.production.min.js" "$here/"
cp "$modules/graphql-ws/umd/graphql-ws.min.js" "$here/"
# The source map is not vendored; drop the reference so browsers do not ask for it.
sed -i '/sourceMappingURL=/d' "$here/graphiql.min.js"
echo "GraphiQL assets updated in $here"
