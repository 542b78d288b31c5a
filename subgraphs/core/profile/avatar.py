"""Profile images: checked by content, re-encoded, stored as a Directus file, linked to the user.

Only what Pillow decodes as PNG, JPEG or WebP is accepted, whatever the client declared.
The pixels are re-encoded as a fresh WebP of at most 512x512, so metadata (EXIF, text
chunks) and any bytes appended to the image (a ZIP or HTML polyglot) are never stored.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from shared.directus.client import DirectusClient
from shared.errors import ErrorCode, MatewayError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_SOURCE_SIDE = 8192  # larger sources are refused before decoding (decompression bombs)
MAX_AVATAR_SIDE = 512
ALLOWED_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
STORED_TYPE = "image/webp"


@dataclass(frozen=True)
class StoredAvatar:
    """The Directus file now linked as the user's avatar."""

    file_id: str
    url: str
    width: int
    height: int


def reencode_image(data: bytes) -> tuple[bytes, int, int]:
    """The image in ``data`` as a clean WebP of at most 512x512, with its size."""
    if len(data) > MAX_IMAGE_BYTES:
        raise MatewayError(ErrorCode.PAYLOAD_TOO_LARGE, "The image exceeds 5 MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
            if max(source.size) > MAX_SOURCE_SIDE:
                raise MatewayError(
                    ErrorCode.BAD_USER_INPUT,
                    f"The image is larger than {MAX_SOURCE_SIDE}x{MAX_SOURCE_SIDE} pixels",
                )
            source.load()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise MatewayError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Upload a PNG, JPEG or WebP image"
        ) from None
    except (OSError, SyntaxError, ValueError):  # truncated or corrupt image data
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "The image could not be read") from None
    image = ImageOps.exif_transpose(source)
    image = image.convert(
        "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    )
    image.thumbnail((MAX_AVATAR_SIDE, MAX_AVATAR_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=85, method=4)  # no exif/icc/xmp passed: none written
    return out.getvalue(), image.width, image.height


async def store_avatar(directus: DirectusClient, user_id: str, data: bytes) -> StoredAvatar:
    """Re-encodes ``data``, stores it as a file and makes it ``user_id``'s avatar."""
    encoded, width, height = reencode_image(data)
    stored = await directus.upload_file(
        f"avatar-{user_id}.webp",
        encoded,
        STORED_TYPE,
        fields={"title": "Profile image"},
    )
    file_id = str(stored["id"])
    await directus.update_user(user_id, {"avatar": file_id})
    return StoredAvatar(file_id, f"/assets/{file_id}", width, height)
