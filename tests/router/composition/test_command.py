"""`python -m router compose`: writes both files, is stable, reports failures with exit code 1."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from router.composition.command import run_compose
from tests.router.composition import strawberry_subgraphs

MODULE = strawberry_subgraphs.__name__
REPO_ROOT = Path(__file__).resolve().parents[3]


def _args(tmp_path: Path, subgraphs: dict[str, str]) -> argparse.Namespace:
    lines = ["subgraphs:"] + [f"  {name}:\n    {entry}" for name, entry in subgraphs.items()]
    config = tmp_path / "supergraph.yaml"
    config.write_text("\n".join(lines) + "\n")
    return argparse.Namespace(
        config=str(config),
        output=str(tmp_path / "supergraph" / "supergraph.graphql"),
        api_schema=str(tmp_path / "schema" / "schema.graphql"),
    )


def test_compose_writes_supergraph_and_api_schema_then_nothing_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(
        tmp_path,
        {"accounts": f"module: {MODULE}:accounts_app", "chats": f"module: {MODULE}:chats_app"},
    )
    assert run_compose(args) == 0
    supergraph = Path(args.output).read_text()
    expected = (Path(__file__).parent / "strawberry_supergraph.graphql").read_text()
    assert supergraph == expected + "\n"
    assert (
        "type Query {\n  me: User\n  chats(order: Order = null): [Chat!]!\n}"
        in Path(args.api_schema).read_text()
    )
    assert "written" in capsys.readouterr().out
    assert run_compose(args) == 0
    assert capsys.readouterr().out.count("unchanged") == 2


def test_composition_errors_are_printed_and_exit_code_is_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(
        tmp_path,
        {
            "accounts": f"module: {MODULE}:accounts_app",
            "users": f"module: {MODULE}:conflicting_app",
        },
    )
    assert run_compose(args) == 1
    err = capsys.readouterr().err
    assert "[INVALID_FIELD_SHARING]" in err and '"User.name"' in err and '"users"' in err
    assert not Path(args.output).exists()


def test_unreachable_subgraph_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(tmp_path, {"down": "url: http://127.0.0.1:9/graphql\n    timeout_seconds: 2"})
    assert run_compose(args) == 1
    assert '[SUBGRAPH_SDL_UNAVAILABLE] Could not read the SDL of subgraph "down"' in (
        capsys.readouterr().err
    )


def test_committed_supergraph_and_api_schema_are_fresh(tmp_path: Path) -> None:
    args = argparse.Namespace(
        config=str(REPO_ROOT / "supergraph" / "supergraph.yaml"),
        output=str(tmp_path / "supergraph.graphql"),
        api_schema=str(tmp_path / "schema.graphql"),
    )
    assert run_compose(args) == 0
    stale = "stale: regenerate with `.venv/bin/python -m router compose` and commit"
    committed = REPO_ROOT / "supergraph" / "supergraph.graphql"
    assert committed.read_text() == Path(args.output).read_text(), f"{committed} is {stale}"
    api = REPO_ROOT / "schema" / "schema.graphql"
    assert api.read_text() == Path(args.api_schema).read_text(), f"{api} is {stale}"
