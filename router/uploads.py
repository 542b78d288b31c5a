"""Files of a GraphQL multipart request (jaydenseric's spec) as they travel to a subgraph.

The router reads a multipart request (router/http/multipart.py) into ordinary variables
whose file positions hold ``Upload`` values. A root mutation fetch whose variables carry
uploads is sent to its subgraph as a multipart request too (``multipart_request``): the
JSON ``operations`` with ``null`` at each file position, a ``map`` and one part per file.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True, repr=False)
class Upload:
    """One uploaded file: its name and declared type (untrusted) and its bytes."""

    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


def find_uploads(value: Any, path: str = "variables") -> list[tuple[str, Upload]]:
    """The uploads inside ``value`` with their spec paths (``variables.image``, ``...files.0``)."""
    if type(value) is Upload:
        return [(path, value)]
    found: list[tuple[str, Upload]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += find_uploads(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += find_uploads(item, f"{path}.{index}")
    return found


def _without_uploads(value: Any) -> Any:
    """``value`` with every upload replaced by ``null``, as the spec's ``operations`` has it."""
    if type(value) is Upload:
        return None
    if isinstance(value, dict):
        return {key: _without_uploads(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_uploads(item) for item in value]
    return value


def _quoted(text: str) -> str:
    # A filename is client input: no quote, backslash or line break may end the header.
    return "".join("_" if c in '"\\\r\n' else c for c in text)


def multipart_request(
    query: str,
    variables: dict[str, Any],
    operation_name: str | None,
    uploads: list[tuple[str, Upload]],
) -> tuple[str, bytes]:
    """The content type and body of the multipart request carrying ``uploads``."""
    operations: dict[str, Any] = {"query": query, "variables": _without_uploads(variables)}
    if operation_name:
        operations["operationName"] = operation_name
    mapping = {str(index): [path] for index, (path, _) in enumerate(uploads)}
    boundary = f"mateway-{secrets.token_hex(16)}"
    delimiter = f"--{boundary}\r\n".encode()
    parts = [
        delimiter,
        b'Content-Disposition: form-data; name="operations"\r\n',
        b"Content-Type: application/json\r\n\r\n",
        orjson.dumps(operations),
        b"\r\n",
        delimiter,
        b'Content-Disposition: form-data; name="map"\r\n',
        b"Content-Type: application/json\r\n\r\n",
        orjson.dumps(mapping),
        b"\r\n",
    ]
    for index, (_, upload) in enumerate(uploads):
        disposition = f'form-data; name="{index}"; filename="{_quoted(upload.filename)}"'
        content_type = _quoted(upload.content_type) or "application/octet-stream"
        parts += [
            delimiter,
            f"Content-Disposition: {disposition}\r\n".encode(),
            f"Content-Type: {content_type}\r\n\r\n".encode(),
            upload.data,
            b"\r\n",
        ]
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)
