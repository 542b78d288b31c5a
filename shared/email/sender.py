"""The email sender interface, its settings, and the choice of provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, SecretStr


class EmailSendError(Exception):
    """The provider did not accept the email (the message is for the log, not for clients)."""


@dataclass(frozen=True, slots=True)
class EmailMessage:
    """One email to one recipient, as plain text and HTML."""

    to: str
    subject: str
    text: str
    html: str
    tags: tuple[str, ...] = ()


class EmailSender(Protocol):
    """Sends transactional email; returns the provider's message id."""

    async def send(self, message: EmailMessage) -> str:
        """Send one email; raise EmailSendError when the provider refuses it."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class EmailSettings(BaseModel):
    """Email settings, embedded in a service's settings (env `MATEWAY_EMAIL__...`)."""

    provider: Literal["log", "brevo"] = "log"
    sender_email: str = "no-reply@mateway.example.com"
    sender_name: str = "Mateway"
    brevo_api_key: SecretStr | None = None
    brevo_base_url: str = "https://api.brevo.com/v3"
    timeout_seconds: float = 10.0


def create_sender(settings: EmailSettings) -> EmailSender:
    """The sender the settings name; ValueError when Brevo is chosen without an API key."""
    if settings.provider == "brevo":
        from shared.email.brevo import BrevoEmailSender

        if settings.brevo_api_key is None or not settings.brevo_api_key.get_secret_value():
            raise ValueError("the brevo email provider needs MATEWAY_EMAIL__BREVO_API_KEY")
        return BrevoEmailSender(
            api_key=settings.brevo_api_key.get_secret_value(),
            sender_email=settings.sender_email,
            sender_name=settings.sender_name,
            base_url=settings.brevo_base_url,
            timeout_seconds=settings.timeout_seconds,
        )
    from shared.email.log import LogEmailSender

    return LogEmailSender()
