"""The email senders: Brevo (brevo-python) against the local Brevo server, and the log one."""

from __future__ import annotations

import logging

import pytest

from shared.email import EmailMessage, EmailSendError, EmailSettings, create_sender
from shared.email.brevo import BrevoEmailSender
from shared.email.log import LogEmailSender
from tests.support.brevo import BrevoServer, brevo_server
from tests.support.ports import free_port

__all__ = ["brevo_server"]

MESSAGE = EmailMessage(
    to="ann@example.com", subject="Hello", text="plain body", html="<p>html body</p>", tags=("t",)
)


def sender_for(server: BrevoServer, **overrides: str) -> BrevoEmailSender:
    values = {"api_key": server.api_key, "base_url": server.base_url, **overrides}
    return BrevoEmailSender(sender_email="no-reply@example.com", sender_name="Mateway", **values)


async def test_brevo_sender_posts_the_email_and_returns_brevos_message_id(
    brevo_server: BrevoServer,
) -> None:
    sender = sender_for(brevo_server)
    message_id = await sender.send(MESSAGE)
    await sender.aclose()
    [sent] = brevo_server.sent
    assert message_id == sent.message_id and message_id.endswith("@smtp-relay.mailin.fr>")
    assert sent.to == [{"email": "ann@example.com"}]
    assert sent.sender == {"email": "no-reply@example.com", "name": "Mateway"}
    assert (sent.subject, sent.text, sent.html, sent.tags) == (
        "Hello",
        "plain body",
        "<p>html body</p>",
        ["t"],
    )


async def test_wrong_api_key_is_an_email_send_error_with_brevos_code(
    brevo_server: BrevoServer,
) -> None:
    sender = sender_for(brevo_server, api_key="xkeysib-wrong")
    with pytest.raises(EmailSendError, match="401: unauthorized Key not found"):
        await sender.send(MESSAGE)
    await sender.aclose()
    assert brevo_server.sent == []


async def test_invalid_recipient_is_refused_with_400(brevo_server: BrevoServer) -> None:
    sender = sender_for(brevo_server)
    bad = EmailMessage(to="not-an-address", subject="s", text="t", html="h")
    with pytest.raises(EmailSendError, match="400: invalid_parameter"):
        await sender.send(bad)
    await sender.aclose()


async def test_unreachable_brevo_is_an_email_send_error() -> None:
    sender = BrevoEmailSender(
        api_key="k",
        sender_email="no-reply@example.com",
        sender_name="M",
        base_url=f"http://127.0.0.1:{free_port()}/v3",
        timeout_seconds=2,
    )
    with pytest.raises(EmailSendError, match="unreachable"):
        await sender.send(MESSAGE)
    await sender.aclose()


async def test_log_sender_writes_the_email_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    sender = LogEmailSender()
    with caplog.at_level(logging.INFO, logger="mateway.email"):
        await sender.send(MESSAGE)
    assert "ann@example.com" in caplog.text and "plain body" in caplog.text
    assert list(sender.sent) == [MESSAGE]


def test_settings_choose_the_provider() -> None:
    assert isinstance(create_sender(EmailSettings()), LogEmailSender)
    brevo = EmailSettings(provider="brevo", brevo_api_key="xkeysib-1")  # type: ignore[arg-type]
    assert isinstance(create_sender(brevo), BrevoEmailSender)
    with pytest.raises(ValueError, match="BREVO_API_KEY"):
        create_sender(EmailSettings(provider="brevo"))
