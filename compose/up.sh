#!/usr/bin/env bash
# Starts Mateway with Docker Compose: generates compose/.env on first run, builds the image,
# starts the stack and waits for every service's health check, then unseals OpenBao.
#
#   compose/up.sh [--core-only] [--providers mqtt,penpot,akaunting,plane] [--app-store]
#                 [--routers N]
#
# `./start-server.sh --compose` calls this. Stop with
#   docker compose -f compose/core.docker-compose.yml -f compose/apps.docker-compose.yml down
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

fail() { echo "mateway: $*" >&2; exit 1; }
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }

apps=1 app_store=0 routers=1 providers=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --core-only) apps=0 ;;
    --app-store) app_store=1 ;;
    --providers) [ "$#" -ge 2 ] || fail "--providers needs a list, e.g. mqtt,penpot"; providers=$2; shift ;;
    --routers) [ "$#" -ge 2 ] || fail "--routers needs a number"; routers=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown option $1 (see compose/up.sh --help)" ;;
  esac
  shift
done
case "$routers" in ''|*[!0-9]*|0) fail "--routers needs a whole number of at least 1" ;; esac

command -v docker >/dev/null || fail "docker not found: install Docker Engine with the Compose plugin (docs/compose.md)"
docker compose version >/dev/null 2>&1 \
  || fail "the Docker Compose plugin is missing: install docker-compose-plugin (Compose v2.24 or newer)"
docker info >/dev/null 2>&1 \
  || fail "no Docker engine is running (docker info failed): start it (e.g. sudo systemctl start docker) or point DOCKER_HOST at one"
command -v python3 >/dev/null || fail "python3 not found: it generates compose/.env"

python3 "$HERE/generate_env.py" --env-file "$HERE/.env"

files=(-f "$HERE/core.docker-compose.yml")
[ "$apps" = 1 ] && files+=(-f "$HERE/apps.docker-compose.yml")
profiles=()
if [ -n "$providers" ]; then
  files+=(-f "$HERE/self-hosted-providers.docker-compose.yml")
  IFS=, read -r -a wanted <<<"$providers"
  for profile in "${wanted[@]}"; do
    case "$profile" in
      mqtt|penpot|akaunting|plane) profiles+=(--profile "$profile") ;;
      *) fail "unknown provider '$profile' (mqtt, penpot, akaunting, plane)" ;;
    esac
  done
fi
[ "$app_store" = 1 ] && files+=(-f "$HERE/app-store.docker-compose.yml")

echo "mateway: docker compose ${files[*]} ${profiles[*]} up"
if ! docker compose "${files[@]}" "${profiles[@]}" up -d --build --wait --wait-timeout 900 \
    --scale "router=$routers"; then
  docker compose "${files[@]}" "${profiles[@]}" ps -a >&2 || true
  fail "the stack did not become healthy; see 'docker compose ${files[*]} logs SERVICE' for the service shown unhealthy or exited above"
fi

"$HERE/openbao-init.sh" "${files[@]}"

# The first platform admin's invite code, as in local mode: the core app creates it once
# (only its hash is stored) and it is shown this once; later runs say why there is none.
invite_json=$(docker compose "${files[@]}" exec -T router \
  python -m subgraphs.core.invites first-run 2>/dev/null | tail -n 1 || true)
invite=$(printf '%s' "$invite_json" | python3 -c '
import json, sys
try:
    answer = json.loads(sys.stdin.read() or "{}")
except ValueError:
    answer = {}
if answer.get("created") and answer.get("code"):
    print("first admin invite code (shown once; its first user becomes the platform admin): "
          + answer["code"])
else:
    print("admin invite: " + str(answer.get("reason") or "the invite command did not answer"))')

env_value() { sed -n "s/^$1=//p" "$HERE/.env" | tail -n 1; }
bind=$(env_value MATEWAY_BIND_ADDRESS)
bind=${bind:-127.0.0.1}
[ "$bind" = 0.0.0.0 ] && bind=localhost
cat <<EOM
mateway: running ($routers router replica(s))
  GraphQL / GraphiQL  http://$bind:$(env_value MATEWAY_HTTP_PORT)/graphql
  Directus admin      http://$bind:$(env_value DIRECTUS_PORT)  ($(env_value DIRECTUS_ADMIN_EMAIL), password DIRECTUS_ADMIN_PASSWORD in compose/.env)
  Grafana             http://$bind:$(env_value GRAFANA_PORT)  (admin, password GRAFANA_ADMIN_PASSWORD in compose/.env)
  Prometheus          http://$bind:$(env_value PROMETHEUS_PORT)
  OpenBao             http://$bind:$(env_value OPENBAO_PORT)
  $invite
EOM
