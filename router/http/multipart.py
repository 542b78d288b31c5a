"""GraphQL multipart requests (jaydenseric's spec): ``operations``, ``map``, then file parts.

The body is parsed as it arrives (python-multipart's streaming parser), so a file over
``uploads.max_file_bytes`` or a body over ``uploads.max_total_bytes`` is refused with 413
(FILE_TOO_LARGE) without being held whole. Each file replaces the ``null`` at the
variable paths ``map`` gives it, as an ``router.uploads.Upload``; the executor sends such
variables on to the owning subgraph as a multipart request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from router.config import UploadSettings
from router.http.graphql_http import request_from_mapping
from router.pipeline import GraphQLRequest, Pipeline, RequestContext, RequestError, Stage
from router.uploads import Upload

MULTIPART = "multipart/form-data"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
_JSON_FIELD_LIMIT = 1_000_000  # operations and map are JSON, never large


def is_multipart(content_type: str) -> bool:
    """True for a ``multipart/form-data`` request body."""
    return content_type.partition(";")[0].strip().lower() == MULTIPART


def _bad(message: str) -> RequestError:
    return RequestError(message, 400, code="BAD_REQUEST", well_formed=False)


def _too_large(message: str) -> RequestError:
    return RequestError(message, 413, code=FILE_TOO_LARGE, well_formed=False)


class _Parts:
    """Collects the fields and files of one multipart body, enforcing the limits."""

    def __init__(self, settings: UploadSettings) -> None:
        self.settings = settings
        self.fields: dict[str, bytes] = {}
        self.files: dict[str, Upload] = {}
        self.error: RequestError | None = None
        self._header_name = b""
        self._headers: dict[bytes, bytes] = {}
        self._chunks: list[bytes] = []
        self._size = 0

    def callbacks(self) -> dict[str, Callable[..., None]]:
        """python-multipart's callbacks, bound to this collector."""
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers, self._chunks, self._size, self._header_name = {}, [], 0, b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name = data[start:end].lower()

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._header_name] = self._headers.get(self._header_name, b"") + bytes(
            data[start:end]
        )

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        self._size += end - start
        is_file = b"filename" in parse_options_header(self._headers.get(b"content-disposition"))[1]
        limit = self.settings.max_file_bytes if is_file else _JSON_FIELD_LIMIT
        if self._size > limit:
            what = "file" if is_file else "field"
            self.error = _too_large(f"An uploaded {what} exceeds {limit} bytes")
            return
        self._chunks.append(bytes(data[start:end]))

    def _end(self) -> None:
        if self.error is not None:
            return
        _, params = parse_options_header(self._headers.get(b"content-disposition"))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        content = b"".join(self._chunks)
        if b"filename" not in params:
            self.fields[name] = content
            return
        if "operations" not in self.fields or "map" not in self.fields:
            self.error = _bad("Send the 'operations' and 'map' fields before any file")
        elif len(self.files) >= self.settings.max_files:
            self.error = _too_large(f"At most {self.settings.max_files} files may be uploaded")
        else:
            content_type = self._headers.get(b"content-type", b"application/octet-stream")
            filename = params[b"filename"].decode("utf-8", "replace")
            self.files[name] = Upload(filename, content_type.decode("latin-1"), content)


async def read_multipart_request(
    receive: Callable[[], Awaitable[dict[str, Any]]],
    content_type: str,
    settings: UploadSettings,
    on_disconnect: Callable[[], Exception],
    headers_length: int | None = None,
) -> tuple[GraphQLRequest, bool]:
    """The GraphQL request in a multipart body (files placed in its variables), and if any came."""
    if not settings.enabled:
        raise RequestError("File uploads are disabled", 415, well_formed=False)
    declared = headers_length
    if declared is not None and declared > settings.max_total_bytes:
        raise _too_large(f"The upload exceeds {settings.max_total_bytes} bytes in total")
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise _bad("A multipart request needs a boundary")
    parts = _Parts(settings)
    parser = MultipartParser(boundary, parts.callbacks())  # type: ignore[arg-type]
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise on_disconnect()
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > settings.max_total_bytes:
            raise _too_large(f"The upload exceeds {settings.max_total_bytes} bytes in total")
        try:
            parser.write(chunk)
        except MultipartParseError:
            raise _bad("The multipart body is malformed") from None
        if parts.error is not None:
            raise parts.error
        if not message.get("more_body", False):
            break
    parser.finalize()
    return _request_of(parts), bool(parts.files)


def _request_of(parts: _Parts) -> GraphQLRequest:
    operations = _json_field(parts, "operations")
    mapping = _json_field(parts, "map")
    if isinstance(operations, list):
        raise _bad("Batched operations are not supported")
    if not isinstance(operations, dict) or not isinstance(mapping, dict):
        raise _bad("'operations' must be a JSON object and 'map' a JSON object")
    for key, paths in mapping.items():
        upload = parts.files.get(key)
        if upload is None:
            raise _bad(f"The map names file '{key}', which was not sent")
        if not isinstance(paths, list) or not paths:
            raise _bad(f"The map entry of file '{key}' must be a list of paths")
        for path in paths:
            _place(operations, path, upload)
    unmapped = sorted(set(parts.files) - set(mapping))
    if unmapped:
        raise _bad(f"Files not named in the map: {', '.join(unmapped)}")
    # The JSON reading's checks (query, operationName, documentId) on the filled object.
    return request_from_mapping(operations)


def _json_field(parts: _Parts, name: str) -> Any:
    raw = parts.fields.get(name)
    if raw is None:
        raise _bad(f"A multipart GraphQL request needs the '{name}' field")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad(f"'{name}' is not valid JSON") from None


def _place(operations: dict[str, Any], path: Any, upload: Upload) -> None:
    """Puts ``upload`` at ``path`` (e.g. ``variables.image``), where the client put null."""
    steps = path.split(".") if isinstance(path, str) else []
    if len(steps) < 2 or steps[0] != "variables":
        raise _bad(f"A file may only go into the variables, not at {path!r}")
    container: Any = operations
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        if isinstance(container, dict) and step in container:
            if last:
                if container[step] is not None:
                    break
                container[step] = upload
                return
            container = container[step]
        elif isinstance(container, list) and step.isdigit() and int(step) < len(container):
            if last:
                if container[int(step)] is not None:
                    break
                container[int(step)] = upload
                return
            container = container[int(step)]
        else:
            break
    raise _bad(f"The map path {path!r} does not point at a null in operations")


def carries_files(ctx: RequestContext) -> bool:
    """True when the request's variables hold uploaded files."""
    return ctx.state.get(UPLOADS_STATE) is True


UPLOADS_STATE = "multipart_uploads"


def install_upload_guard(pipeline: Pipeline) -> None:
    """Refuses files sent with a query or subscription: only mutations take uploads."""

    async def guard(ctx: RequestContext) -> None:
        if carries_files(ctx) and ctx.prepared is not None and ctx.prepared.kind != "mutation":
            raise _bad("Files may only be uploaded with a mutation")

    pipeline.hook(Stage.OPERATION_VALIDATED, guard)
