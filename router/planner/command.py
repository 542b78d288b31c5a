"""`python -m router plan --supergraph FILE --query FILE`: prints an operation's plan."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphql import GraphQLError, parse

from router.planner.planner import PlanningError, QueryPlanner
from router.planner.render import plan_to_text
from router.supergraph.model import Supergraph, SupergraphError


def run_plan(args: argparse.Namespace) -> int:
    """Prints the plan; returns a process exit code (2 on bad input)."""
    try:
        supergraph = Supergraph.from_sdl(Path(args.supergraph).read_text())
        document = parse(Path(args.query).read_text())
        labels = frozenset(getattr(args, "override_label", None) or ())
        plan = QueryPlanner(supergraph, labels).plan(document, args.operation_name)
    except (OSError, GraphQLError, SupergraphError, PlanningError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(plan_to_text(plan))
    return 0
