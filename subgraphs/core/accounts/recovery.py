"""Password reset by emailed link."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from shared.email import EmailSendError
from subgraphs.core.accounts import emails
from subgraphs.core.accounts.passwords import hash_password, password_problems, verify_password
from subgraphs.core.accounts.service import AccountService, bad_input

logger = logging.getLogger("mateway.core.accounts")


async def request_reset(service: AccountService, email: str) -> None:
    """Email a reset link when the address has an account. Every caller gets the same
    answer after the same work (a lookup and a hash); the link is made and sent after the
    answer, so neither the answer nor its timing tells whether the account exists."""
    user = await service.users.by_email(email)
    await verify_password(None, "")
    if user is not None and user.get("status") == "active":
        service.after_answer(_send_link(service, str(user["id"]), email), "password reset")


async def _send_link(service: AccountService, user_id: str, email: str) -> None:
    if not await service.cooldown("password-reset", user_id):
        return  # one link a minute per account, so nobody can flood a mailbox
    token = await service.resets.issue(user_id)
    accounts = service.settings.accounts
    link = f"{accounts.reset_url}?{urlencode({'token': token})}"
    try:
        await service.sender.send(
            emails.password_reset(email, link, accounts.reset_token_seconds // 60)
        )
    except EmailSendError as exc:
        # Telling the caller would reveal that the account exists; the operator sees it.
        logger.error("password reset email not sent: %s", exc)


async def reset_password(service: AccountService, token: str, new_password: str) -> None:
    """Set a new password with a reset token; every session of the user ends."""
    user = await service.users.by_id(await service.resets.user_of(token))
    username = str(user.get("username", "")) if user else ""
    problems = password_problems(new_password, username)
    if problems:
        # Checked before the token is spent, so a weak choice does not cost the link.
        raise bad_input([("newPassword", p) for p in problems])
    password_hash = await hash_password(new_password)
    user_id = await service.resets.use(token)
    await service.users.update(user_id, {"password_hash": password_hash})
    await service.end_sessions_of(user_id)
