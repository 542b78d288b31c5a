"""updateProfileImage on the core app: multipart as the router sends it, real Directus."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from PIL import Image

from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.errors import MatewayError
from shared.identity import CallerKind, Identity, Role
from subgraphs.core.app import app as core_app
from subgraphs.core.profile.avatar import reencode_image
from subgraphs.core.service import CoreService, use_service
from tests.shared.conftest import ValkeyServer, valkey
from tests.subgraphs.core.conftest import core_settings
from tests.subgraphs.core.profile_support import POLYGLOT_TAIL, gif, png
from tests.support.identity import internal_headers, user_identity

__all__ = ["valkey"]

UPLOAD = "mutation($image: Upload!) { updateProfileImage(image: $image) { id url width height } }"


@pytest.fixture
async def core(platform_directus: DirectusServer, valkey: ValkeyServer) -> AsyncIterator[None]:
    """The core app on the test Directus and Valkey."""
    service = CoreService(core_settings(platform_directus, redis_url=valkey.url(4)))
    use_service(service)
    yield
    use_service(None)
    await service.aclose()


@pytest.fixture
async def user(directus: DirectusClient) -> AsyncIterator[Identity]:
    """A signed-in user (a real Directus user)."""
    made = await directus.create_user({"platform_role": "user", "status": "active"})
    yield user_identity(made["id"])
    await directus.delete_user(made["id"])


async def _upload(content: bytes, identity: Identity | None) -> dict[str, Any]:
    operations = {"query": UPLOAD, "variables": {"image": None}}
    data = {"operations": orjson.dumps(operations).decode(), "map": '{"0": ["variables.image"]}'}
    files = {"0": ("me.png", content, "image/png")}
    transport = httpx.ASGITransport(app=core_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core") as client:
        response = await client.post(
            "/graphql", data=data, files=files, headers=internal_headers(identity)
        )
    answer: dict[str, Any] = response.json()
    return answer


def _code(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["extensions"]["code"])


async def test_upload_replaces_the_users_avatar_with_a_small_webp(
    core: None, user: Identity, directus: DirectusClient
) -> None:
    first = await _upload(png(300, 1200), user)
    second = await _upload(png(100, 50), user)
    assert "errors" not in second, second
    assert first["data"]["updateProfileImage"]["height"] == 512
    assert first["data"]["updateProfileImage"]["width"] == 128
    stored = second["data"]["updateProfileImage"]
    assert (stored["width"], stored["height"]) == (100, 50)  # never enlarged
    assert stored["url"] == f"/assets/{stored['id']}"
    assert user.user_id is not None
    linked = await directus.read_user(user.user_id, fields=["avatar"])
    assert linked is not None and linked["avatar"] == stored["id"]


async def test_api_keys_and_anonymous_callers_cannot_set_a_profile_image(core: None) -> None:
    key = Identity(kind=CallerKind.API_KEY, role=Role.USER, user_id="u", api_key_id="k")
    assert _code(await _upload(png(8, 8), None)) in ("UNAUTHENTICATED", "FORBIDDEN")
    assert _code(await _upload(png(8, 8), key)) == "FORBIDDEN"


async def test_gif_and_non_images_are_unsupported_media(core: None, user: Identity) -> None:
    assert _code(await _upload(gif(), user)) == "UNSUPPORTED_MEDIA_TYPE"
    assert _code(await _upload(b"GIF89a" + b"\0" * 64, user)) == "UNSUPPORTED_MEDIA_TYPE"


def test_reencoding_drops_metadata_and_appended_bytes() -> None:
    source = png(40, 30, text="gps: 48.85,2.35") + POLYGLOT_TAIL
    encoded, width, height = reencode_image(source)
    image = Image.open(io.BytesIO(encoded))
    assert (image.format, image.size, (width, height)) == ("WEBP", (40, 30), (40, 30))
    assert b"gps" not in encoded and b"PK\x03\x04" not in encoded and b"<html>" not in encoded
    assert not image.info.get("exif") and not image.info.get("xmp")


def test_jpeg_with_exif_orientation_is_stored_upright() -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    exif[0x010F] = "SecretCam"
    Image.new("RGB", (60, 20), (0, 128, 255)).save(out, format="JPEG", exif=exif)
    encoded, width, height = reencode_image(out.getvalue())
    assert (width, height) == (20, 60)
    assert b"SecretCam" not in encoded


def test_oversized_and_huge_images_are_refused_before_decoding() -> None:
    with pytest.raises(MatewayError) as too_big:
        reencode_image(b"\0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(MatewayError) as too_wide:
        reencode_image(png(9000, 1))
    with pytest.raises(MatewayError) as truncated:
        reencode_image(png(64, 64)[:45])
    assert str(too_big.value.code) == "PAYLOAD_TOO_LARGE"
    assert str(too_wide.value.code) == "BAD_USER_INPUT"
    assert str(truncated.value.code) == "BAD_USER_INPUT"
