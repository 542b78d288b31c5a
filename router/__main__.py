"""`python -m router compose | serve | plan`."""

from __future__ import annotations

import argparse
import os
import sys

from router.http.workers import worker_count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m router", description="Mateway federation router"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    compose = commands.add_parser("compose", help="compose supergraph.yaml into supergraph.graphql")
    compose.add_argument("--config", default="supergraph/supergraph.yaml")
    compose.add_argument("--output", default="supergraph/supergraph.graphql")
    compose.add_argument("--api-schema", default="schema/schema.graphql")

    serve = commands.add_parser("serve", help="serve a supergraph")
    serve.add_argument("--supergraph", help="a composed supergraph SDL file (any composer)")
    serve.add_argument("--config", default="supergraph/supergraph.yaml")
    serve.add_argument("--router-config", default=None, help="router YAML config")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4000)
    serve.add_argument(
        "--workers",
        type=worker_count,
        default=os.environ.get("MATEWAY_ROUTER_WORKERS", "1"),
        help="router processes sharing the port (0: one per CPU core; default 1, or "
        "MATEWAY_ROUTER_WORKERS)",
    )

    plan = commands.add_parser("plan", help="print the query plan of an operation")
    plan.add_argument("--supergraph", required=True)
    plan.add_argument("--query", required=True, help="file holding the operation")
    plan.add_argument("--operation-name", default=None)

    args = parser.parse_args(argv)
    if args.command == "compose":
        from router.composition.command import run_compose

        return run_compose(args)
    if args.command == "serve":
        from router.http.command import run_serve

        return run_serve(args)
    from router.planner.command import run_plan

    return run_plan(args)


if __name__ == "__main__":
    sys.exit(main())
