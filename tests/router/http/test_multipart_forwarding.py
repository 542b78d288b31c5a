"""Uploads forwarded by the router's subgraph clients as GraphQL multipart requests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.file_uploads import Upload as StrawberryUpload

from router.http.subgraph_clients import AsgiTransport, HttpTransport
from router.uploads import Upload, find_uploads, multipart_request
from tests.support.servers import UvicornThread

MUTATION = """mutation($file: Upload!, $more: [Upload!]!, $note: String) {
  describe(file: $file, more: $more, note: $note)
}"""


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def describe(
        self, file: StrawberryUpload, more: list[StrawberryUpload], note: str | None
    ) -> str:
        parts = []
        for upload in [file, *more]:
            data = await upload.read()  # type: ignore[attr-defined]
            digest = hashlib.sha256(data).hexdigest()[:12]
            parts.append(f"{upload.filename}:{upload.content_type}:{len(data)}:{digest}")  # type: ignore[attr-defined]
        return f"{note}|" + ",".join(parts)


APP = GraphQL(strawberry.Schema(Query, Mutation), multipart_uploads_enabled=True)
FILE = Upload('we"ird\r\nname.png', "image/png", b"\x89PNG" + bytes(range(256)) * 40)
OTHER = Upload("b.txt", "text/plain", b"--boundary-like--\r\n")


def _expected(note: str) -> str:
    parts = [
        f"{u.filename.replace(chr(34), '_').replace(chr(13), '_').replace(chr(10), '_')}:"
        f"{u.content_type}:{len(u.data)}:{hashlib.sha256(u.data).hexdigest()[:12]}"
        for u in (FILE, OTHER)
    ]
    return f"{note}|" + ",".join(parts)


def test_find_uploads_names_spec_paths_and_the_body_nulls_them() -> None:
    variables: dict[str, Any] = {"file": FILE, "more": [OTHER], "note": "n"}
    uploads = find_uploads(variables)
    content_type, body = multipart_request(MUTATION, variables, None, uploads)
    assert [path for path, _ in uploads] == ["variables.file", "variables.more.0"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'"variables":{"file":null,"more":[null],"note":"n"}' in body
    assert b'{"0":["variables.file"],"1":["variables.more.0"]}' in body


async def test_in_process_client_forwards_files_as_multipart() -> None:
    variables: dict[str, Any] = {"file": FILE, "more": [OTHER], "note": "asgi"}
    transport = AsgiTransport(APP, service_name="files")
    answer = await transport.execute_with_files(
        MUTATION, variables, None, None, find_uploads(variables)
    )
    assert answer == {"data": {"describe": _expected("asgi")}}


async def test_http_client_forwards_files_as_multipart(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(APP)
    transport = HttpTransport(f"{server.url}/graphql", service_name="files")
    variables: dict[str, Any] = {"file": FILE, "more": [OTHER], "note": "http"}
    try:
        answer = await transport.execute_with_files(
            MUTATION, variables, None, None, find_uploads(variables)
        )
        plain = await transport.execute("{ ok }")  # the pooled connection still works
    finally:
        await transport.aclose()
    assert answer == {"data": {"describe": _expected("http")}}
    assert plain == {"data": {"ok": True}}
