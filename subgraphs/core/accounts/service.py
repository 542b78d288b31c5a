"""AccountService: the account parts (users, sessions, throttle, email...) wired together.

The flows live in their own modules (signup, signin, twofactor, recovery) and take this
service; it owns nothing but references, so it is cheap to build per request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from shared.auth import issue_access_token, keys_from_settings
from shared.auth.revocation import revoke_session, revoke_user
from shared.directus.client import DirectusClient
from shared.email import EmailSender
from shared.errors import ErrorCode, MatewayError
from shared.identity import CallerKind, Identity, Role
from subgraphs.core.accounts.email_codes import EmailCodePolicy
from subgraphs.core.accounts.hashing import SecretSealer, lookup_hash
from subgraphs.core.accounts.resets import ResetTokens
from subgraphs.core.accounts.sessions import SessionStore
from subgraphs.core.accounts.throttle import Throttle
from subgraphs.core.accounts.users import UserRecords
from subgraphs.core.invites import InviteStore
from subgraphs.core.settings import CoreSettings

logger = logging.getLogger("mateway.core.accounts")
# Work done after the answer (see `after_answer`); referenced here so it is not collected.
_BACKGROUND: set[asyncio.Task[None]] = set()


async def finish_background_work() -> None:
    """Wait for the work started by `after_answer` (at shutdown, and in tests)."""
    await asyncio.gather(*list(_BACKGROUND), return_exceptions=True)


@dataclass(frozen=True)
class IssuedTokens:
    """What a login or refresh hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
    user_id: str
    session_id: str


class AccountService:
    """The account parts for one Directus client, one Redis and one email sender."""

    def __init__(
        self,
        settings: CoreSettings,
        directus: DirectusClient,
        redis: Redis,
        sender: EmailSender,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings, self.directus, self.redis = settings, directus, redis
        self.sender, self.clock = sender, clock
        self.key = settings.lookup_key()
        accounts = settings.accounts
        self.users = UserRecords(directus, self.key, settings.personal_cipher)
        self.invites = InviteStore(directus, settings.invite_key(), clock)
        self.throttle = Throttle(redis, settings.throttle)
        self.email_codes = EmailCodePolicy(
            timedelta(seconds=accounts.email_code_seconds), accounts.email_code_attempts
        )
        self.sessions = SessionStore(
            directus, redis, self.key, timedelta(seconds=accounts.refresh_token_seconds), clock
        )
        self.resets = ResetTokens(
            directus, redis, self.key, timedelta(seconds=accounts.reset_token_seconds), clock
        )

    def sealer(self) -> SecretSealer:
        """Seals TOTP secrets (needs MATEWAY_SIGNING_KEY)."""
        return SecretSealer(self.settings.signing_secret())

    async def cooldown(self, action: str, subject: str) -> bool:
        """True at most once per `email_cooldown_seconds` per action and subject."""
        seconds = self.settings.accounts.email_cooldown_seconds
        key = f"mateway:core:cooldown:{action}:{subject}"
        return bool(await self.redis.set(key, "1", nx=True, ex=seconds))

    def after_answer(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run `work` without making the caller wait, so answers that must not reveal
        whether an account exists take the same time either way; failures are logged."""

        async def run() -> None:
            try:
                await work
            except Exception:
                logger.exception("%s failed", what)

        task = asyncio.create_task(run())
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)

    def hashed(self, purpose: str, value: str) -> str:
        """A lookup hash (e.g. of an IP or a user agent before it is stored)."""
        return lookup_hash(self.key, purpose, value)

    def access_token(self, user: dict[str, Any], session_id: str) -> tuple[str, int]:
        """A signed access token for a user's session and its lifetime in seconds."""
        seconds = self.settings.accounts.access_token_seconds
        role = Role.ADMIN if user.get("platform_role") == "admin" else Role.USER
        identity = Identity(
            kind=CallerKind.USER, role=role, user_id=str(user["id"]), session_id=session_id
        )
        keys = keys_from_settings(self.settings)
        return issue_access_token(identity, keys=keys, ttl=timedelta(seconds=seconds)), seconds

    async def start_session(self, user: dict[str, Any], ip: str | None, agent: str) -> IssuedTokens:
        """A new session for a user who just proved who they are."""
        meta = {"user_agent_hash": self.hashed("user-agent", agent)} if agent else {}
        if ip:
            meta["ip_hash"] = self.hashed("ip", ip)
        refresh, family = await self.sessions.start(str(user["id"]), meta)
        access, seconds = self.access_token(user, family)
        return IssuedTokens(access, refresh, seconds, str(user["id"]), family)

    async def end_session(self, family_id: str) -> None:
        """A session ends: its refresh tokens now, its access tokens via the revocation list."""
        await self.sessions.revoke_family(family_id)
        await revoke_session(self.redis, family_id)

    async def end_sessions_of(self, user_id: str) -> None:
        """Every session of a user ends: refresh tokens now, access tokens via the list."""
        await self.sessions.revoke_user(user_id)
        await revoke_user(self.redis, user_id)


def bad_input(fields: list[tuple[str, str]]) -> MatewayError:
    """BAD_USER_INPUT with one `{field, message}` per problem."""
    details = [{"field": name, "message": message} for name, message in fields]
    summary = "; ".join(message for _, message in fields)
    return MatewayError(ErrorCode.BAD_USER_INPUT, summary, fields=details)
