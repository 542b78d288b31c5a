"""compose/generate_env.py: random secrets in a 0600 file on first run, never changed later."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from tests.compose.conftest import COMPOSE_DIR, ROOT, generate_env


def test_first_run_writes_every_setting_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    added = generate_env.ensure_env(path)
    assert added == list(generate_env.VARIABLES)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(generate_env.read_env(path)) == set(generate_env.VARIABLES)


def test_secrets_are_random_and_distinct(tmp_path: Path) -> None:
    one = generate_env.read_env(_generated(tmp_path / "a"))
    two = generate_env.read_env(_generated(tmp_path / "b"))
    secrets = [name for name, spec in generate_env.VARIABLES.items() if spec[1]]
    assert all(len(one[name]) >= 64 for name in secrets)
    assert all(one[name] != two[name] for name in secrets)
    assert len({one[name] for name in secrets}) == len(secrets)


def test_second_run_keeps_every_value(tmp_path: Path) -> None:
    path = _generated(tmp_path)
    before = path.read_text()
    assert generate_env.ensure_env(path) == []
    assert path.read_text() == before


def test_names_added_later_are_appended_and_old_values_kept(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("POSTGRES_PASSWORD=kept-value\n")
    path.chmod(0o644)
    added = generate_env.ensure_env(path)
    values = generate_env.read_env(path)
    assert values["POSTGRES_PASSWORD"] == "kept-value"
    assert "POSTGRES_PASSWORD" not in added and "DIRECTUS_KEY" in added
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_committed_example_is_current_and_holds_placeholders_only() -> None:
    example = COMPOSE_DIR / "env.example"
    assert example.read_text() == generate_env.example_text(), (
        "compose/env.example is stale: "
        "python3 compose/generate_env.py --example compose/env.example"
    )
    values = generate_env.read_env(example)
    for name, (_, is_secret, _) in generate_env.VARIABLES.items():
        if is_secret:
            assert values[name] == generate_env.PLACEHOLDER, name


def test_platform_secrets_of_local_mode_are_generated_for_compose_too() -> None:
    from shared.platform.secrets import SECRET_NAMES

    assert set(SECRET_NAMES) <= set(generate_env.VARIABLES)


def test_generated_files_are_git_ignored_and_none_is_committed() -> None:
    for name in ("compose/.env", "compose/openbao-init.json"):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT)
        assert ignored.returncode == 0, f"{name} is not git-ignored"
    tracked = subprocess.run(
        ["git", "ls-files", "compose"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not {"compose/.env", "compose/openbao-init.json"} & set(tracked)


def test_command_line_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cli.env"
    script = COMPOSE_DIR / "generate_env.py"
    result = subprocess.run(
        [sys.executable, str(script), "--env-file", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "mode 0600" in result.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _generated(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".env"
    generate_env.ensure_env(path)
    return path
