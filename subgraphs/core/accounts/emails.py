"""The account emails, as plain text and HTML (the guide's email renderer replaces these)."""

from __future__ import annotations

from html import escape

from shared.email import EmailMessage


def _html(paragraphs: list[str], highlight: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"<html><body>{body}<p><strong>{escape(highlight)}</strong></p></body></html>"


def signup_code(to: str, username: str, code: str, minutes: int) -> EmailMessage:
    """The 6-digit code that confirms a new account's email address."""
    lines = [
        f"Hello {username},",
        f"your Mateway confirmation code is below. It is valid for {minutes} minutes.",
        "If you did not sign up, ignore this email.",
    ]
    return EmailMessage(
        to=to,
        subject=f"Your Mateway code: {code}",
        text="\n\n".join([*lines, code]),
        html=_html(lines, code),
        tags=("signup-code",),
    )


def password_reset(to: str, link: str, minutes: int) -> EmailMessage:
    """The single-use link that sets a new password."""
    lines = [
        "Someone asked to reset the password of your Mateway account.",
        f"The link below works once, for {minutes} minutes. If it was not you, ignore this.",
    ]
    return EmailMessage(
        to=to,
        subject="Reset your Mateway password",
        text="\n\n".join([*lines, link]),
        html=_html(lines, link),
        tags=("password-reset",),
    )
