"""Development email provider: every email goes to the log instead of a mailbox."""

from __future__ import annotations

import logging
import secrets
from collections import deque

from shared.email.sender import EmailMessage

logger = logging.getLogger("mateway.email")


class LogEmailSender:
    """Writes each email (recipient, subject, text) to the log; for development only."""

    def __init__(self, keep: int = 100) -> None:
        # The latest emails, for a developer's tools; bounded so a long run cannot grow.
        self.sent: deque[EmailMessage] = deque(maxlen=keep)

    async def send(self, message: EmailMessage) -> str:
        """Log the email and return a local message id."""
        message_id = f"<log-{secrets.token_hex(8)}@mateway.local>"
        self.sent.append(message)
        logger.info(
            "email (development: not sent)\nTo: %s\nSubject: %s\n\n%s",
            message.to,
            message.subject,
            message.text,
            extra={"message_id": message_id},
        )
        return message_id

    async def aclose(self) -> None:
        """Nothing to release."""
