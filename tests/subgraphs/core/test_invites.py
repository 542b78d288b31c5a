"""Invite codes: the first-run admin invite is made once and only its keyed hash is kept."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from subgraphs.core.invites import (
    ADMIN_EXISTS,
    UNUSED_INVITE,
    InviteStore,
    generate_code,
    hash_code,
    normalise_code,
    utc_now,
)
from tests.subgraphs.core.conftest import INVITE_KEY

ROOT = Path(__file__).resolve().parents[3]
CODE_PATTERN = re.compile(r"^[A-Z2-7]{6}(-[A-Z2-7]{6}){3}$")


async def _admin_invites(directus: DirectusClient) -> list[dict[str, object]]:
    return await directus.read_items(
        "invite_codes", filter={"makes_admin": {"_eq": True}}, limit=-1
    )


def test_codes_are_grouped_base32_and_distinct() -> None:
    codes = {generate_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE_PATTERN.match(code) for code in codes)
    assert normalise_code(" abcdef-ghijkl ") == "ABCDEFGHIJKL"


def test_hash_depends_on_the_key_and_ignores_typing_noise() -> None:
    code = generate_code()
    assert hash_code(b"k1", code) == hash_code(b"k1", code.lower().replace("-", " "))
    assert hash_code(b"k1", code) != hash_code(b"k2", code)


async def test_first_run_creates_one_single_use_admin_invite(
    invites: InviteStore, no_admins_nor_invites: DirectusClient
) -> None:
    outcome = await invites.ensure_first_admin_invite()
    assert outcome.created and outcome.code and CODE_PATTERN.match(outcome.code)
    rows = await _admin_invites(no_admins_nor_invites)
    assert len(rows) == 1
    assert rows[0]["code_hash"] == hash_code(INVITE_KEY.encode(), outcome.code)
    assert (rows[0]["max_uses"], rows[0]["uses"], rows[0]["makes_admin"]) == (1, 0, True)
    assert await invites.is_valid(outcome.code)


async def test_plain_code_is_stored_nowhere_in_directus(
    invites: InviteStore, no_admins_nor_invites: DirectusClient, platform_directus: DirectusServer
) -> None:
    outcome = await invites.ensure_first_admin_invite()
    assert outcome.code is not None
    forms = {outcome.code, normalise_code(outcome.code), outcome.code.lower()}
    directus = no_admins_nor_invites
    dumps = [
        json.dumps(await directus.read_items("invite_codes", limit=-1)),
        json.dumps(await directus.read_items("directus_revisions", limit=-1)),
        json.dumps(await directus.read_items("directus_activity", limit=-1)),
    ]
    assert "invite_codes" in dumps[1]  # revisions are recorded, so the check is meaningful
    data_dir = platform_directus.config.data_dir
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    contents = [path.read_bytes().decode("latin-1") for path in files]
    assert any(path.name == "directus.sqlite" for path in files)
    for form in forms:
        assert not any(form in text for text in [*dumps, *contents])


async def test_second_first_run_creates_no_second_code(
    invites: InviteStore, no_admins_nor_invites: DirectusClient
) -> None:
    first = await invites.ensure_first_admin_invite()
    second = await invites.ensure_first_admin_invite()
    assert first.created
    assert not second.created and second.code is None and second.reason == UNUSED_INVITE
    assert len(await _admin_invites(no_admins_nor_invites)) == 1


async def test_reissue_revokes_the_unused_code(
    invites: InviteStore, no_admins_nor_invites: DirectusClient
) -> None:
    first = await invites.ensure_first_admin_invite()
    again = await invites.ensure_first_admin_invite(reissue=True)
    assert first.code and again.created and again.code and again.code != first.code
    assert again.revoked == 1
    assert not await invites.is_valid(first.code)
    assert await invites.is_valid(again.code)
    assert len(await invites.usable_admin_invites()) == 1


async def test_no_first_run_code_once_an_admin_exists(
    invites: InviteStore, no_admins_nor_invites: DirectusClient
) -> None:
    directus = no_admins_nor_invites
    admin = await directus.create_user(
        {"email": f"admin-{generate_code().lower()}@example.com", "platform_role": "admin"}
    )
    try:
        for reissue in (False, True):
            outcome = await invites.ensure_first_admin_invite(reissue=reissue)
            assert (outcome.created, outcome.reason) == (False, ADMIN_EXISTS)
        assert await _admin_invites(directus) == []
    finally:
        await directus.delete_user(admin["id"])


async def test_used_up_expired_and_unknown_codes_are_invalid(
    invites: InviteStore, no_admins_nor_invites: DirectusClient
) -> None:
    used, used_row = await invites.create(max_uses=2)
    expired, _ = await invites.create(expires_at=utc_now() - timedelta(seconds=1))
    later, _ = await invites.create(expires_at=utc_now() + timedelta(days=1))
    assert await invites.is_valid(used)
    await no_admins_nor_invites.update_item("invite_codes", used_row["id"], {"uses": 2})
    assert not await invites.is_valid(used)
    assert not await invites.is_valid(expired)
    assert await invites.is_valid(later)
    assert not await invites.is_valid(generate_code())
    assert not await invites.is_valid("x" * 10_000)


def _first_run_cli(server: DirectusServer, *args: str) -> tuple[int, dict[str, object]]:
    env = {
        **os.environ,
        "MATEWAY_DIRECTUS_DATA_DIR": str(server.config.data_dir),
        "MATEWAY_INVITE_HASH_KEY": INVITE_KEY,
    }
    for name in ("MATEWAY_DIRECTUS_URL", "MATEWAY_DIRECTUS_TOKEN"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "subgraphs.core.invites", "first-run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, (done.stdout, done.stderr)
    return done.returncode, json.loads(lines[0])


async def test_first_run_command_prints_the_code_once(
    invites: InviteStore, platform_directus: DirectusServer
) -> None:
    status, first = _first_run_cli(platform_directus)
    assert status == 0 and first["created"] is True
    assert isinstance(first["code"], str) and await invites.is_valid(first["code"])
    status, second = _first_run_cli(platform_directus)
    assert (status, second) == (0, {"created": False, "reason": UNUSED_INVITE})
    status, third = _first_run_cli(platform_directus, "--reissue")
    assert status == 0 and third["created"] is True and third["code"] != first["code"]
    assert not await invites.is_valid(first["code"])


def test_first_run_command_without_invite_key_fails_clearly(
    platform_directus: DirectusServer,
) -> None:
    env = {**os.environ, "MATEWAY_DIRECTUS_DATA_DIR": str(platform_directus.config.data_dir)}
    env.pop("MATEWAY_INVITE_HASH_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "subgraphs.core.invites", "first-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 1 and answer["created"] is False
    assert "MATEWAY_INVITE_HASH_KEY" in answer["reason"]
