"""Sending email: one `EmailSender` interface, a Brevo provider and a development one.

`create_sender(settings)` picks the provider named by `MATEWAY_EMAIL_PROVIDER`:
`log` (default; writes each email to the log, for development) or `brevo` (Brevo's
transactional email API through brevo-python; `MATEWAY_BREVO_API_KEY`, and
`MATEWAY_BREVO_BASE_URL` to point it elsewhere, e.g. at the test server).
"""

from shared.email.sender import (
    EmailMessage,
    EmailSender,
    EmailSendError,
    EmailSettings,
    create_sender,
)

__all__ = ["EmailMessage", "EmailSendError", "EmailSender", "EmailSettings", "create_sender"]
