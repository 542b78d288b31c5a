"""Sign-up: username check, account creation with an invite, the email code, its check.

Nothing is left half-written: the invite is taken under a Redis lock (Directus has no
atomic increment), and when the confirmation email cannot be sent the new user is deleted
and the invite's use given back, so the person can simply try again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from shared.directus.api_errors import DirectusApiError
from shared.email import EmailSendError
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts import emails
from subgraphs.core.accounts.email_codes import code_hash, invalid_code, new_code
from subgraphs.core.accounts.locks import redis_lock
from subgraphs.core.accounts.passwords import hash_password, password_problems
from subgraphs.core.accounts.service import AccountService, bad_input
from subgraphs.core.accounts.throttle import Subject
from subgraphs.core.accounts.usernames import username_problem
from subgraphs.core.invites import INVITES, is_usable

logger = logging.getLogger("mateway.core.accounts")
TAKEN = "This username is already taken"


@dataclass(frozen=True)
class SignupRequest:
    """A validated sign-up input."""

    invite_code: str
    username: str
    email: str
    password: str
    ip: str | None = None


async def username_check(service: AccountService, username: str) -> str | None:
    """Why `username` cannot be chosen (form or taken), or None when it is free."""
    problem = username_problem(username)
    if problem is None and await service.users.by_username(username) is not None:
        problem = TAKEN
    return problem


async def _check_input(service: AccountService, request: SignupRequest) -> None:
    # Answers about taken emails are throttled per invite and IP, so one invite code
    # cannot be used to probe which addresses have accounts.
    subject = Subject("signup", service.hashed("invite", request.invite_code), request.ip)
    await service.throttle.check(subject)
    problems: list[tuple[str, str]] = []
    name_problem = await username_check(service, request.username)
    if name_problem:
        problems.append(("username", name_problem))
    problems += [("password", p) for p in password_problems(request.password, request.username)]
    if await service.users.by_email(request.email) is not None:
        await service.throttle.attempt(subject)  # counted only when an answer names an email
        await service.throttle.failed(subject)
        problems.append(("email", "An account with this email already exists"))
    if problems:
        raise bad_input(problems)


async def _give_back(service: AccountService, invite_id: str) -> None:
    async with redis_lock(service.redis, f"invite:{invite_id}"):
        row = await service.directus.read_item(INVITES, invite_id, fields=["uses"])
        if row is not None:
            uses = max(0, int(row.get("uses") or 0) - 1)
            await service.directus.update_item(INVITES, invite_id, {"uses": uses})


async def _create_with_invite(
    service: AccountService, request: SignupRequest, user_id: str, code: str
) -> str:
    """Create the user and spend one use of the invite, atomically; the invite's id."""
    password_hash = await hash_password(request.password)
    found = await service.invites.find(request.invite_code)
    if found is None:
        raise bad_input([("inviteCode", "The invite code is not valid or has been used")])
    async with redis_lock(service.redis, f"invite:{found['id']}"):
        invite = await service.invites.find(request.invite_code)
        if invite is None or not is_usable(invite, service.clock()):
            raise bad_input([("inviteCode", "The invite code is not valid or has been used")])
        admin = bool(invite.get("makes_admin")) and not await service.invites.admin_exists()
        fields = service.email_codes.fields_for(service.key, user_id, code, service.clock())
        try:
            await service.users.create(
                username=request.username,
                email=request.email,
                password_hash=password_hash,
                admin=admin,
                extra={"id": user_id, "signed_up_at": service.clock().isoformat(), **fields},
            )
        except DirectusApiError as exc:
            if exc.directus_code != "RECORD_NOT_UNIQUE":
                raise
            # A concurrent sign-up took the name or email between the check and now.
            logger.info("signup refused by Directus: %s", exc)
            raise bad_input([("username", TAKEN)]) from exc
        uses = int(invite.get("uses") or 0) + 1
        await service.directus.update_item(INVITES, invite["id"], {"uses": uses})
    return str(invite["id"])


async def signup(service: AccountService, request: SignupRequest) -> str:
    """Create an account from an invite and email its code; the new user's id."""
    await _check_input(service, request)
    user_id, code = str(uuid.uuid4()), new_code()
    invite_id = await _create_with_invite(service, request, user_id, code)
    minutes = service.settings.accounts.email_code_seconds // 60
    try:
        await service.sender.send(
            emails.signup_code(request.email, request.username, code, minutes)
        )
    except EmailSendError as exc:
        logger.error("signup email not sent, undoing the sign-up: %s", exc)
        await service.users.delete(user_id)
        await _give_back(service, invite_id)
        raise MatewayError(
            ErrorCode.UNAVAILABLE,
            "The confirmation email could not be sent; nothing was created, please try again",
        ) from exc
    return user_id


async def verify_email_code(service: AccountService, email: str, code: str) -> None:
    """Confirm an email address with its code; INVALID_CODE, CODE_EXPIRED or TOO_MANY_ATTEMPTS."""
    user = await service.users.by_email(email)
    if user is None:
        code_hash(service.key, str(uuid.uuid4()), code)  # same work as for a real account
        raise invalid_code()
    async with redis_lock(service.redis, f"email-code:{user['id']}"):
        user = await service.users.by_id(str(user["id"]))
        if user is None or not user.get("email_code_hash"):
            raise invalid_code()
        attempts = int(user.get("email_code_attempts") or 0) + 1
        await service.users.update(str(user["id"]), {"email_code_attempts": attempts})
        user["email_code_attempts"] = attempts
        service.email_codes.check(service.key, user, code, service.clock())
        done = {
            "email_verified_at": service.clock().isoformat(),
            "email_code_hash": None,
            "email_code_expires_at": None,
            "email_code_attempts": 0,
        }
        await service.users.update(str(user["id"]), done)


async def resend_email_code(service: AccountService, email: str) -> None:
    """Send a fresh code to an unconfirmed account, after the answer (which is the same,
    and as fast, for every address)."""
    user = await service.users.by_email(email)
    if user is not None and not user.get("email_verified_at"):
        service.after_answer(_resend(service, user, email), "email code resend")


async def _resend(service: AccountService, user: dict[str, Any], email: str) -> None:
    if not await service.cooldown("email-code", str(user["id"])):
        return  # one email a minute per account, so nobody can flood a mailbox
    code = new_code()
    fields = service.email_codes.fields_for(service.key, str(user["id"]), code, service.clock())
    await service.users.update(str(user["id"]), fields)
    minutes = service.settings.accounts.email_code_seconds // 60
    message = emails.signup_code(email, str(user.get("username", "")), code, minutes)
    try:
        await service.sender.send(message)
    except EmailSendError as exc:
        logger.error("email code not sent: %s", exc)
