"""The committed schema on Directus over PostgreSQL (the compose database)."""

from __future__ import annotations

import glob
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.directus import schema_ops
from shared.directus.admin_api import AdminApi
from shared.directus.runtime import DirectusConfig, DirectusServer, free_port, start_directus
from shared.directus.temp_postgres import temp_postgres

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        not (glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb")),
        reason="PostgreSQL is not installed (apt-get install postgresql)",
    ),
]


@pytest.fixture(scope="module")
def postgres_directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DirectusServer]:
    """A Directus bootstrapped on a throwaway PostgreSQL cluster."""
    folder: Path = tmp_path_factory.mktemp("directus-pg")
    with temp_postgres(free_port()) as db_env:
        config = DirectusConfig(data_dir=folder, port=free_port(), extra_env=db_env)
        with start_directus(config, timeout=90) as server:
            yield server


def test_committed_schema_applies_to_postgres_without_leftover_diff(
    postgres_directus: DirectusServer,
) -> None:
    schema = schema_ops.load_snapshot(schema_ops.REPO_SCHEMA)
    with AdminApi(postgres_directus.url, postgres_directus.platform_token) as api:
        assert schema_ops.apply(api, schema)
        # Same vendor as the snapshot: nothing is left to change.
        assert schema_ops.apply(api, schema) is False
        user = api.data("POST", "/users", json={"email": "pg@example.com"})
        chat = api.data("POST", "/items/chats", json={"owner": user["id"], "wrapped_key": "k"})
        assert chat["owner"] == user["id"]
