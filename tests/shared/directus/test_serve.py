"""`python -m shared.directus.serve`: first-run setup, then Directus itself in the foreground."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from shared.directus import schema_ops
from shared.directus.errors import DirectusNotReady
from shared.directus.install import REPO_ROOT
from shared.directus.runtime import DirectusConfig, load_or_create_secrets, wait_ready
from shared.directus.serve import SCHEMA_STAMP, first_run_setup
from tests.shared.directus.template import DirectusTemplate
from tests.support.ports import free_port


def test_serve_sets_up_once_then_becomes_directus(
    directus_template: DirectusTemplate, tmp_path: Path
) -> None:
    shutil.copytree(directus_template.path, tmp_path, dirs_exist_ok=True)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shared.directus.serve",
                "--data-dir",
                str(tmp_path),
                "--port",
                str(port),
                "--schema",
                str(schema_ops.REPO_SCHEMA),
            ],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_ready(f"http://127.0.0.1:{port}", log, 120, serve)
        except DirectusNotReady:
            raise AssertionError(log.read_text()[-3000:]) from None
        # Ready only after setup: the first-run server has stopped and serve became Directus.
        assert (tmp_path / SCHEMA_STAMP).is_file()
        assert Path(f"/proc/{serve.pid}/exe").resolve().name == "node"
        token = load_or_create_secrets(tmp_path).platform_token
        collections = httpx.get(
            f"http://127.0.0.1:{port}/collections/mates",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert collections.status_code == 200
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(20)


def test_setup_is_skipped_while_the_schema_file_is_unchanged(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text("collections: []\n")
    config = DirectusConfig(data_dir=tmp_path, port=free_port())
    (tmp_path / SCHEMA_STAMP).write_text(hashlib.sha256(schema.read_bytes()).hexdigest())
    # No Directus runs here: a setup attempt would fail to start one and raise.
    assert first_run_setup(config, schema, timeout=1) is False
