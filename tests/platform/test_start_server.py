"""Acceptance of `./start-server.sh` on a fresh clone: up, invite once, dependencies, stop.

The tests share one clone and run in file order: first start, invite, dependency failures,
then stop and a warm start. Figures (start seconds, idle RSS) are printed in the output.
"""

from __future__ import annotations

import os
import re
import signal
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.platform.stack import REPO, Stack, alive, clean_env

# A first start on a busy machine can take minutes (install of the clone's .venv included).
pytestmark = pytest.mark.timeout(900)

INVITE_LINE = re.compile(r"First admin invite code: (\S+)")
RSS_GOAL_MB = 700


@pytest.fixture(scope="module")
def stack(clone: Path) -> Iterator[dict[str, Any]]:
    """The clone started once (detached, data in its ./data); stopped at the end."""
    stack = Stack.on(clone)
    done, seconds = stack.start()
    try:
        yield {"stack": stack, "first": done, "first_seconds": seconds}
    finally:
        pids = stack.process_tree()
        stack.run("--stop")
        for pid in alive(pids):  # only if --stop failed: never leave a process behind
            os.kill(pid, signal.SIGKILL)


def _figures(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print("\n" + text)


def test_first_start_comes_up_healthy_with_guidance(stack: dict[str, Any]) -> None:
    done, clone = stack["first"], stack["stack"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Mateway is running." in done.stdout
    assert f"http://127.0.0.1:{clone.ports['router']}/graphql" in done.stdout
    assert f"http://127.0.0.1:{clone.ports['directus']}/admin" in done.stdout
    assert "directus/secrets.json" in done.stdout
    response = clone.health()
    assert response.status_code == 200, response.text
    assert set(response.json()["dependencies"]) == {"valkey", "celery-worker", "directus"}


def test_secrets_are_generated_private(stack: dict[str, Any]) -> None:
    secrets = stack["stack"].root / "data" / "secrets.env"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert "MATEWAY_INVITE_HASH_KEY=" in secrets.read_text()


def test_first_start_prints_the_admin_invite_code_once(stack: dict[str, Any]) -> None:
    clone: Stack = stack["stack"]
    if not (clone.root / "subgraphs" / "core" / "invites.py").is_file():
        pytest.skip("subgraphs/core/invites.py is not in this version yet")
    codes = INVITE_LINE.findall(stack["first"].stdout)
    assert len(codes) == 1, stack["first"].stdout
    assert "becomes the" in stack["first"].stdout


def _kill_and_restore(clone: Stack, service: str, expected_down: str) -> None:
    pids = clone.pids()
    os.kill(pids[service], signal.SIGTERM)
    down = clone.wait_health(503, timeout=30, naming=expected_down)
    assert down.status_code == 503, down.text
    assert expected_down in down.json()["message"]
    assert down.json()["dependencies"][expected_down]["status"] == "down"
    again = clone.run("--detach", timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"starting {service}" in again.stderr
    assert "starting router" not in again.stderr
    assert INVITE_LINE.search(again.stdout) is None  # no second code
    back = clone.wait_health(200, timeout=90)
    assert back.status_code == 200, back.text
    assert clone.pids()["router"] == pids["router"]  # the router was never restarted


def test_killing_the_celery_worker_makes_health_503_naming_it_until_restarted(
    stack: dict[str, Any],
) -> None:
    _kill_and_restore(stack["stack"], "worker", "celery-worker")


def test_killing_valkey_makes_health_503_naming_it_until_restarted(
    stack: dict[str, Any],
) -> None:
    _kill_and_restore(stack["stack"], "valkey", "valkey")


def test_stop_leaves_nothing_and_a_warm_start_creates_no_second_code(
    stack: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    clone: Stack = stack["stack"]
    pids = clone.process_tree()
    assert len(pids) >= 5  # supervisord, valkey, directus, the worker (and its child), router
    stopped = clone.run("--stop", timeout=180)
    assert stopped.returncode == 0, stopped.stderr
    assert alive(pids) == set()
    assert clone.open_ports() == []
    warm, seconds = clone.start()
    assert warm.returncode == 0, warm.stderr[-3000:]
    assert INVITE_LINE.search(warm.stdout) is None
    assert "No new code was created" in warm.stdout
    assert "still\n  unused: the first user who signs up with it becomes the platform admin" in (
        warm.stdout
    )
    assert clone.health().status_code == 200
    # Another shell without the port settings: --status still finds the running stack's ports.
    status = Stack(clone.root, clean_env()).run("--status")
    assert status.returncode == 0, status.stdout
    _figures(
        capsys,
        f"first start {stack['first_seconds']:.1f}s, warm start {seconds:.1f}s\n" + status.stdout,
    )
    _check_status(status.stdout)
    pids = clone.process_tree()
    assert clone.run("--stop", timeout=180).returncode == 0
    assert alive(pids) == set()
    assert clone.open_ports() == []


def _check_status(text: str) -> None:
    for service in ("supervisord", "valkey", "directus", "worker", "router"):
        assert re.search(rf"^{service}\s+RUNNING\s+\d+\s+[\d.]+\s+up$", text, re.MULTILINE), text
    total = re.search(r"idle RSS total: ([\d.]+) MB", text)
    durations = re.search(r"last first start: ([\d.]+)s; last warm start: ([\d.]+)s", text)
    assert total is not None and durations is not None, text
    assert float(total.group(1)) <= RSS_GOAL_MB, f"idle RSS {total.group(1)} MB over the goal"


def test_status_and_stop_of_a_stack_that_is_not_running(tmp_path: Path) -> None:
    clone = Stack(REPO, clean_env(MATEWAY_DATA_DIR=str(tmp_path / "data")))
    assert clone.run("--status").returncode == 3
    assert "not running" in clone.run("--status").stdout
    assert clone.run("--stop").returncode == 0
