"""A local server speaking Brevo's transactional email API, for tests.

`POST /v3/smtp/email` with an `api-key` header answers like Brevo: 201 `{"messageId": ...}`
for a valid request, 401 `{"code": "unauthorized", "message": "Key not found"}` for a wrong
key, 400 `{"code": "missing_parameter" | "invalid_parameter", "message": ...}` for a bad
body. Accepted emails are kept in `sent`, which tests read (e.g. the signup code).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import UvicornThread

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class SentEmail:
    """One email Brevo accepted."""

    message_id: str
    sender: dict[str, Any]
    to: list[dict[str, Any]]
    subject: str
    text: str | None
    html: str | None
    tags: list[str]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _problem(body: Any) -> tuple[str, str] | None:
    """Brevo's (code, message) for an invalid send request, or None when it is valid."""
    if not isinstance(body, dict):
        return "invalid_parameter", "Input must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, dict) or not EMAIL.match(str(sender.get("email", ""))):
        return "missing_parameter", "sender is missing"
    to = body.get("to")
    if not isinstance(to, list) or not to:
        return "missing_parameter", "to is missing"
    for recipient in to:
        if not isinstance(recipient, dict) or not EMAIL.match(str(recipient.get("email", ""))):
            return "invalid_parameter", "email is not valid in to"
    if "templateId" not in body:
        if not body.get("subject"):
            return "missing_parameter", "subject is missing"
        if not body.get("htmlContent") and not body.get("textContent"):
            return "missing_parameter", "htmlContent is not valid"
    return None


@dataclass
class BrevoServer:
    """The fake Brevo: its API key, the emails it accepted, and a switch to refuse sends."""

    api_key: str = field(default_factory=lambda: f"xkeysib-{secrets.token_hex(16)}")
    sent: list[SentEmail] = field(default_factory=list)
    refuse_with: tuple[int, str, str] | None = None  # (status, code, message) for every send
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: UvicornThread | None = None

    @property
    def base_url(self) -> str:
        """What the Brevo client takes as its base URL (ends in /v3)."""
        assert self._thread is not None, "server not started"
        return f"{self._thread.url}/v3"

    async def _send(self, request: Request) -> JSONResponse:
        if request.headers.get("api-key") != self.api_key:
            return _error(401, "unauthorized", "Key not found")
        if self.refuse_with is not None:
            return _error(*self.refuse_with)
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "bad_request", "Invalid JSON")
        problem = _problem(body)
        if problem is not None:
            return _error(400, *problem)
        message_id = f"<{secrets.token_hex(12)}@smtp-relay.mailin.fr>"
        email = SentEmail(
            message_id=message_id,
            sender=body["sender"],
            to=body["to"],
            subject=body.get("subject", ""),
            text=body.get("textContent"),
            html=body.get("htmlContent"),
            tags=list(body.get("tags") or []),
        )
        with self._lock:
            self.sent.append(email)
        return JSONResponse({"messageId": message_id}, status_code=201)

    def app(self) -> Starlette:
        """The ASGI app: only the transactional email endpoint."""
        return Starlette(routes=[Route("/v3/smtp/email", self._send, methods=["POST"])])

    def start(self) -> BrevoServer:
        """Serve on a free loopback port (uvicorn in a thread)."""
        self._thread = UvicornThread(self.app()).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    def emails_to(self, address: str) -> list[SentEmail]:
        """The accepted emails to one address, oldest first."""
        with self._lock:
            return [e for e in self.sent if any(r.get("email") == address for r in e.to)]


@pytest.fixture
def brevo_server() -> Iterator[BrevoServer]:
    """A fake Brevo for one test (its emails and its refuse switch are the test's own)."""
    server = BrevoServer().start()
    yield server
    server.stop()
