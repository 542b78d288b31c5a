"""Brevo provider: Brevo's transactional email API (`POST /v3/smtp/email`) via brevo-python."""

from __future__ import annotations

import httpx
from brevo import AsyncBrevo
from brevo.core.api_error import ApiError
from brevo.transactional_emails.types import (
    SendTransacEmailRequestSender,
    SendTransacEmailRequestToItem,
)

from shared.email.sender import EmailMessage, EmailSendError
from shared.httpx_client import AsyncClient


class BrevoEmailSender:
    """Sends through Brevo; `base_url` is configurable so tests use a local Brevo server."""

    def __init__(
        self,
        *,
        api_key: str,
        sender_email: str,
        sender_name: str,
        base_url: str = "https://api.brevo.com/v3",
        timeout_seconds: float = 10.0,
    ) -> None:
        self._http = AsyncClient(timeout=timeout_seconds)
        # No SDK retries: a signup waits for the answer, and a retried POST could send twice.
        self._client = AsyncBrevo(
            api_key=api_key, base_url=base_url, max_retries=0, httpx_client=self._http
        )
        self._sender = SendTransacEmailRequestSender(email=sender_email, name=sender_name)

    async def send(self, message: EmailMessage) -> str:
        """Send one email; EmailSendError with Brevo's code and message when refused."""
        try:
            emails = self._client.transactional_emails
            extra = {"tags": list(message.tags)} if message.tags else {}
            answer = await emails.send_transac_email(
                sender=self._sender,
                to=[SendTransacEmailRequestToItem(email=message.to)],
                subject=message.subject,
                text_content=message.text,
                html_content=message.html,
                **extra,
            )
        except ApiError as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            code, text = body.get("code", ""), body.get("message", "")
            raise EmailSendError(f"brevo answered {exc.status_code}: {code} {text}") from exc
        except httpx.HTTPError as exc:
            raise EmailSendError(f"brevo unreachable: {exc!r}") from exc
        return str(answer.message_id or "")

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()
