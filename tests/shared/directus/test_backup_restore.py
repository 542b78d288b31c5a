"""Backup of one real Directus restored into an empty one: same schema, same rows."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.directus import backup, restore, schema_ops
from shared.directus.admin_api import AdminApi
from shared.directus.provision import PLATFORM_EMAIL
from shared.directus.runtime import DirectusServer, free_port

pytestmark = pytest.mark.timeout(240)

USER_ID = str(uuid.uuid4())
APP_ID = str(uuid.uuid4())
CHAT_ID = str(uuid.uuid4())
FOLDER_ID = str(uuid.uuid4())


def _seed_rows(api: AdminApi) -> None:
    """A user and one row in every platform collection that links to it."""
    api.data(
        "POST",
        "/users",
        json={
            "id": USER_ID,
            "email": "ada@example.com",
            "password": "not-restored-1",
            "credits_balance": 1200,
            "platform_role": "admin",
            "email_hash": "h-ada",
            "preferences": {"theme": "dark"},
        },
    )
    api.data("POST", "/items/apps", json={"id": APP_ID, "name": "pdf", "config": {"pages": 5}})
    api.data("POST", "/items/skills", json={"app": APP_ID, "name": "extract", "cost": 3})
    api.data("POST", "/items/providers", json={"app": APP_ID, "name": "local"})
    mate = api.data("POST", "/items/mates", json={"owner": USER_ID, "name": "Sophia"})
    api.data(
        "POST",
        "/items/chats",
        json={"id": CHAT_ID, "owner": USER_ID, "wrapped_key": "wk", "mate": mate["id"]},
    )
    api.data(
        "POST", "/items/messages", json={"chat": CHAT_ID, "role": "user", "body_ciphertext": "c"}
    )
    api.data("POST", "/items/chat_shares", json={"chat": CHAT_ID, "token_hash": "th"})
    expires = "2030-01-01T00:00:00Z"
    session = {
        "user": USER_ID,
        "family_id": "f1",
        "refresh_token_hash": "rh",
        "expires_at": expires,
    }
    api.data("POST", "/items/sessions", json=session)
    reset = {"user": USER_ID, "token_hash": "ph", "expires_at": expires}
    api.data("POST", "/items/password_resets", json=reset)
    api.data("POST", "/items/collections", json={"id": FOLDER_ID, "owner": USER_ID, "name": "Work"})
    api.data(
        "POST", "/items/collections_chats", json={"collections_id": FOLDER_ID, "chats_id": CHAT_ID}
    )
    api.data(
        "POST", "/items/usage", json={"user": USER_ID, "skill": "pdf.extract", "request_id": "r1"}
    )
    payment = api.data(
        "POST",
        "/items/payments",
        json={
            "user": USER_ID,
            "provider": "stripe",
            "provider_order_id": "o1",
            "amount": 500,
            "currency": "EUR",
            "credits": 5000,
        },
    )
    api.data("POST", "/items/invoices", json={"payment": payment["id"], "number": "2026-0001"})
    api.data("POST", "/items/invite_codes", json={"code_hash": "ch", "created_by": USER_ID})
    api.data("POST", "/items/api_keys", json={"user": USER_ID, "key_hash": "kh", "prefix": "mw_"})


@pytest.fixture(scope="module")
def round_trip(
    directus_pair: tuple[DirectusServer, DirectusServer], tmp_path_factory: pytest.TempPathFactory
) -> tuple[DirectusServer, DirectusServer, Path]:
    """Repo schema and rows on the source, backed up and restored into the empty target."""
    source, target = directus_pair
    with AdminApi(source.url, source.platform_token) as api:
        assert schema_ops.apply(api, schema_ops.load_snapshot(schema_ops.REPO_SCHEMA))
        _seed_rows(api)
    out = tmp_path_factory.mktemp("backup") / "backup.yaml"
    assert (
        backup.main(
            ["--out", str(out), "--data", "--url", source.url, "--token", source.platform_token]
        )
        == 0
    )
    assert restore.main([str(out), "--url", target.url, "--token", target.platform_token]) == 0
    return source, target, out


def _snapshot(server: DirectusServer) -> dict[str, Any]:
    with AdminApi(server.url, server.admin_token) as api:
        return schema_ops.snapshot(api)


def _rows(server: DirectusServer, collection: str) -> list[dict[str, Any]]:
    with AdminApi(server.url, server.admin_token) as api:
        return list(api.data("GET", f"/items/{collection}", params={"limit": -1, "sort": "id"}))


def test_restored_schema_equals_source_schema(round_trip: tuple[Any, Any, Path]) -> None:
    source, target, _ = round_trip
    assert _snapshot(target) == _snapshot(source)


def test_source_has_every_collection_of_the_repo_schema(round_trip: tuple[Any, Any, Path]) -> None:
    source, _, _ = round_trip
    repo = schema_ops.load_snapshot(schema_ops.REPO_SCHEMA)
    assert schema_ops.platform_collections(_snapshot(source)) == schema_ops.platform_collections(
        repo
    )


def test_restored_rows_equal_source_rows(round_trip: tuple[Any, Any, Path]) -> None:
    source, target, _ = round_trip
    for collection in schema_ops.platform_collections(_snapshot(source)):
        rows = _rows(source, collection)
        assert rows, f"seed left {collection} empty"
        assert _rows(target, collection) == rows, collection


def test_restored_user_keeps_platform_fields_but_no_password(
    round_trip: tuple[Any, Any, Path],
) -> None:
    _, target, _ = round_trip
    with AdminApi(target.url, target.admin_token) as api:
        user = api.data("GET", f"/users/{USER_ID}")
    assert (user["email"], user["credits_balance"], user["platform_role"]) == (
        "ada@example.com",
        1200,
        "admin",
    )
    assert user["preferences"] == {"theme": "dark"}
    assert user["password"] is None


def test_backup_file_holds_schema_and_rows(round_trip: tuple[Any, Any, Path]) -> None:
    _, _, out = round_trip
    document = yaml.safe_load(out.read_text())
    assert document["mateway_backup"] == backup.BACKUP_FORMAT
    assert document["schema"]["directus"] == "12.4.0"
    assert [m["name"] for m in document["data"]["mates"]] == ["Sophia"]
    users = document["data"]["directus_users"]
    assert PLATFORM_EMAIL not in [u["email"] for u in users]
    assert all("password" not in u and "token" not in u for u in users)


def test_restore_refuses_a_directus_that_has_platform_collections(
    round_trip: tuple[Any, Any, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, target, out = round_trip
    assert restore.main([str(out), "--url", target.url, "--token", target.platform_token]) == 1
    assert "restore needs an empty Directus" in capsys.readouterr().err


def test_backup_without_data_flag_has_no_rows(
    round_trip: tuple[Any, Any, Path], tmp_path: Path
) -> None:
    source, _, _ = round_trip
    out = tmp_path / "schema-only.yaml"
    assert (
        backup.main(["--out", str(out), "--url", source.url, "--token", source.platform_token]) == 0
    )
    assert "data" not in yaml.safe_load(out.read_text())


def test_backup_finds_a_local_directus_by_its_data_folder(
    round_trip: tuple[Any, Any, Path], tmp_path: Path
) -> None:
    source, _, _ = round_trip
    out = tmp_path / "local.yaml"
    assert backup.main(["--out", str(out), "--data-dir", str(source.config.data_dir)]) == 0
    assert yaml.safe_load(out.read_text())["schema"] == _snapshot(source)


def test_backup_of_an_unreachable_directus_fails_with_its_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert backup.main(["--out", str(tmp_path / "x.yaml"), "--url", url, "--token", "t"]) == 1
    assert f"backup failed: GET {url}/schema/snapshot failed" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()
