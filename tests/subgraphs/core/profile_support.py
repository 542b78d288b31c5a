"""Images for the profile image tests: real PNG/JPEG bytes made with Pillow."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin


def png(width: int = 800, height: int = 600, *, text: str | None = None) -> bytes:
    """A PNG of the given size, optionally with a tEXt metadata chunk."""
    image = Image.new("RGB", (width, height), (200, 30, 90))
    info = PngImagePlugin.PngInfo()
    if text is not None:
        info.add_text("Comment", text)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def gif() -> bytes:
    """A GIF (a real image, but not an accepted type)."""
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    return out.getvalue()


POLYGLOT_TAIL = b"PK\x03\x04<html><script>alert(1)</script></html>"
