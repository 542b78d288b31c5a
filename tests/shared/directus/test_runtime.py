"""The local Directus runtime: secrets, config, readiness and its errors, the platform user."""

from __future__ import annotations

import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from shared.directus import install
from shared.directus.errors import DirectusNotReady
from shared.directus.provision import PLATFORM_EMAIL
from shared.directus.runtime import (
    DirectusConfig,
    DirectusServer,
    directus_env,
    load_or_create_secrets,
    start_directus,
    wait_ready,
    write_env_file,
)
from tests.shared.directus.template import DirectusTemplate
from tests.support.ports import free_port


def test_secrets_are_generated_once_and_private(tmp_path: Path) -> None:
    first = load_or_create_secrets(tmp_path)
    assert load_or_create_secrets(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert len({first.key, first.secret, first.admin_token, first.platform_token}) == 4


def test_env_file_keeps_everything_in_the_data_folder(tmp_path: Path) -> None:
    config = DirectusConfig(data_dir=tmp_path, port=18123)
    path = write_env_file(config, load_or_create_secrets(tmp_path))
    lines = dict(line.split("=", 1) for line in path.read_text().splitlines())
    assert lines["DB_CLIENT"] == "sqlite3"
    assert lines["DB_FILENAME"] == str(tmp_path.resolve() / "directus.sqlite")
    assert (lines["HOST"], lines["PORT"], lines["TELEMETRY"]) == ("127.0.0.1", "18123", "false")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_postgres_settings_replace_the_sqlite_file(tmp_path: Path) -> None:
    config = DirectusConfig(tmp_path, 1, extra_env={"DB_CLIENT": "pg", "DB_HOST": "db"})
    env = directus_env(config, load_or_create_secrets(tmp_path))
    assert env["DB_CLIENT"] == "pg" and "DB_FILENAME" not in env


def test_install_folder_is_keyed_by_the_lock_file_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MATEWAY_CACHE", str(tmp_path))
    folder = install.install_dir()
    assert folder.parent == tmp_path / "directus"
    assert len(folder.name) == 64 and not install.is_installed()


def test_wait_ready_names_the_log_when_time_runs_out(tmp_path: Path) -> None:
    log = tmp_path / "directus.log"
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(DirectusNotReady, match=r"within 0\.3 s; see .*directus\.log"):
            wait_ready(f"http://127.0.0.1:{free_port()}", log, 0.3, idle)
    finally:
        idle.kill()
        idle.wait()


def test_wait_ready_reports_an_early_exit_with_the_log_line(tmp_path: Path) -> None:
    log = tmp_path / "directus.log"
    with log.open("wb") as out:
        crashed = subprocess.Popen(
            [sys.executable, "-c", "print('listen EADDRINUSE'); raise SystemExit(3)"], stdout=out
        )
    crashed.wait()
    with pytest.raises(DirectusNotReady, match=r"code 3 .*directus\.log.*EADDRINUSE"):
        wait_ready(f"http://127.0.0.1:{free_port()}", log, 5, crashed)


def test_real_directus_on_a_taken_port_fails_clearly(
    directus_template: DirectusTemplate, tmp_path: Path
) -> None:
    shutil.copytree(directus_template.path, tmp_path, dirs_exist_ok=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = DirectusConfig(data_dir=tmp_path, port=port)
        with pytest.raises(DirectusNotReady, match=str(config.log_path)):
            start_directus(config, timeout=60)


def test_platform_user_is_not_the_directus_admin_and_may_read_the_schema(
    directus_pair: tuple[DirectusServer, DirectusServer],
) -> None:
    server = directus_pair[0]
    headers = {"Authorization": f"Bearer {server.platform_token}"}
    me = httpx.get(f"{server.url}/users/me", headers=headers).json()["data"]
    assert me["email"] == PLATFORM_EMAIL != server.secrets.admin_email
    assert httpx.get(f"{server.url}/schema/snapshot", headers=headers).status_code == 200


def test_ping_answers_pong_without_a_token(
    directus_pair: tuple[DirectusServer, DirectusServer],
) -> None:
    assert httpx.get(f"{directus_pair[1].url}/server/ping").text == "pong"


@pytest.mark.benchmark
def test_prints_bootstrap_ready_and_memory_figures(
    directus_template: DirectusTemplate, directus_pair: tuple[DirectusServer, DirectusServer]
) -> None:
    server = directus_pair[1]
    rss_mb = psutil.Process(server.process.pid).memory_info().rss / 2**20
    print(
        f"\ndirectus 12.4.0: bootstrap {directus_template.bootstrap_seconds:.1f} s, "
        f"ready {server.ready_seconds:.1f} s, RSS {rss_mb:.0f} MB"
    )
    assert server.ready_seconds < 60 and rss_mb < 600


def test_real_directus_not_ready_in_time_is_stopped_and_names_its_log(
    directus_template: DirectusTemplate, tmp_path: Path
) -> None:
    shutil.copytree(directus_template.path, tmp_path, dirs_exist_ok=True)
    config = DirectusConfig(data_dir=tmp_path, port=free_port())
    with pytest.raises(DirectusNotReady, match=rf"within 0\.2 s; see {config.log_path}"):
        start_directus(config, timeout=0.2)
    left = [p for p in psutil.process_iter(["cwd"]) if p.info["cwd"] == str(tmp_path)]
    assert left == []
