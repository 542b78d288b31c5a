"""2FA, login, refresh rotation, logout and password reset on the core subgraph."""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from datetime import timedelta

import pyotp

from shared.auth.revocation import RevocationList, load_current
from shared.identity import CallerKind, Identity, Role
from tests.shared.conftest import valkey
from tests.subgraphs.core.accounts_support import (
    PASSWORD,
    Accounts,
    accounts,
    brevo_server,
    unique_name,
)

__all__ = ["accounts", "brevo_server", "valkey"]

SIGNUP = "mutation($input: SignupInput!) { signup(input: $input) { userId } }"
VERIFY = "mutation($email: String!, $code: String!) { verifyEmailCode(email: $email, code: $code) }"
LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken expiresIn userId sessionId } }"""
REFRESH = (
    """mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken sessionId } }"""
)
LOGOUT = "mutation($t: String) { logout(refreshToken: $t) }"
SETUP = "mutation { setup2fa { secret otpauthUri qrPngBase64 } }"
CONFIRM = "mutation($code: String!) { confirm2fa(code: $code) { backupCodes } }"
REQUEST_RESET = "mutation($email: String!) { requestPasswordReset(email: $email) }"
RESET = "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }"


@dataclass
class Person:
    username: str
    email: str
    user_id: str


def codes(errors: list[dict]) -> list[str]:
    return [e["extensions"]["code"] for e in errors]


async def verified_person(accounts: Accounts) -> Person:
    name, email = unique_name(), f"{unique_name('e')}@example.com"
    values = {"inviteCode": await accounts.invite(), "username": name, "email": email}
    data, errors = await accounts.run(SIGNUP, input={**values, "password": PASSWORD})
    assert errors == [] and data is not None
    _, errors = await accounts.run(VERIFY, email=email, code=accounts.last_code(email))
    assert errors == []
    return Person(name, email, data["signup"]["userId"])


async def login(accounts: Accounts, login: str, password: str = PASSWORD, **more: str):
    return await accounts.run(LOGIN, input={"usernameOrEmail": login, "password": password, **more})


async def with_2fa(accounts: Accounts, person: Person) -> tuple[str, list[str]]:
    """Turn 2FA on for a person; their TOTP secret and backup codes."""
    data, errors = await login(accounts, person.username)
    identity = accounts.identity(data["login"]["accessToken"])
    data, errors = await accounts.run(SETUP, identity)
    assert errors == []
    setup = data["setup2fa"]
    assert setup["otpauthUri"].startswith("otpauth://totp/")
    assert base64.b64decode(setup["qrPngBase64"]).startswith(b"\x89PNG")
    code = pyotp.TOTP(setup["secret"]).now()
    data, errors = await accounts.run(CONFIRM, identity, code=code)
    assert errors == []
    return setup["secret"], data["confirm2fa"]["backupCodes"]


def next_totp(secret: str) -> str:
    """A code of the next step (codes are single use; the next step is accepted too)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


async def test_login_by_username_or_email_gives_verifiable_tokens(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    for name in (person.username.upper(), person.email):
        data, errors = await login(accounts, name)
        assert errors == []
        identity = accounts.identity(data["login"]["accessToken"])
        assert identity.kind is CallerKind.USER and identity.role is Role.USER
        assert identity.user_id == person.user_id == data["login"]["userId"]
        assert identity.session_id == data["login"]["sessionId"]
        assert data["login"]["refreshToken"].startswith("mwr_")


async def test_unverified_email_cannot_log_in(accounts: Accounts) -> None:
    name = unique_name()
    values = {"inviteCode": await accounts.invite(), "username": name, "password": PASSWORD}
    await accounts.run(SIGNUP, input={**values, "email": f"{name}@example.com"})
    _, errors = await login(accounts, name)
    assert codes(errors) == ["UNAUTHENTICATED"]
    assert errors[0]["extensions"]["reason"] == "email_not_verified"


async def test_unknown_account_and_wrong_password_answer_alike(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    _, wrong = await login(accounts, person.username, "wrong password 123")
    _, unknown = await login(accounts, unique_name(), "wrong password 123")
    assert wrong[0]["message"] == unknown[0]["message"]
    assert wrong[0]["extensions"] == unknown[0]["extensions"]


async def test_repeated_wrong_passwords_lock_the_account_with_retry_after(
    accounts: Accounts,
) -> None:
    person = await verified_person(accounts)
    for _ in range(2):
        _, errors = await login(accounts, person.username, "wrong password 123")
        assert codes(errors) == ["UNAUTHENTICATED"]
    _, errors = await login(accounts, person.username, "wrong password 123")
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]
    assert 0 < errors[0]["extensions"]["retryAfter"] <= 120
    # Locked: even the right password is refused, from another IP too.
    accounts.ip = "203.0.113.7"
    _, errors = await login(accounts, person.username)
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]


async def test_one_ip_guessing_at_many_accounts_is_locked(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    for _ in range(5):
        _, errors = await login(accounts, unique_name(), "wrong password 123")
        assert codes(errors) == ["UNAUTHENTICATED"]
    _, errors = await login(accounts, unique_name(), "wrong password 123")
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]
    _, errors = await login(accounts, person.username)
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]
    accounts.ip = "203.0.113.8"
    _, errors = await login(accounts, person.username)
    assert errors == []


async def test_login_with_2fa_needs_a_totp_or_a_single_use_backup_code(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    secret, backup = await with_2fa(accounts, person)
    assert len(backup) == 10 and len(set(backup)) == 10
    _, errors = await login(accounts, person.username)
    assert errors[0]["extensions"]["reason"] == "second_factor_required"
    _, errors = await login(accounts, person.username, totpCode=next_totp(secret))
    assert errors == []
    _, errors = await login(accounts, person.username, backupCode=backup[3].lower())
    assert errors == []
    _, errors = await login(accounts, person.username, backupCode=backup[3])
    assert codes(errors) == ["INVALID_CODE"]
    _, errors = await login(accounts, person.username, backupCode=backup[4])
    assert errors == []


async def test_repeated_wrong_totp_codes_lock_2fa(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    secret, _ = await with_2fa(accounts, person)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 500_000) % 1_000_000:06d}"
    for _ in range(2):
        _, errors = await login(accounts, person.username, totpCode=wrong)
        assert codes(errors) == ["INVALID_CODE"]
    _, errors = await login(accounts, person.username, totpCode=wrong)
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]
    _, errors = await login(accounts, person.username, totpCode=next_totp(secret))
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]


async def test_2fa_setup_needs_a_signed_in_user(accounts: Accounts) -> None:
    _, errors = await accounts.run(SETUP)
    assert codes(errors) == ["UNAUTHENTICATED"]


async def test_refresh_rotates_and_reuse_revokes_the_family(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    data, _ = await login(accounts, person.username)
    first, session = data["login"]["refreshToken"], data["login"]["sessionId"]
    data, errors = await accounts.run(REFRESH, t=first)
    assert errors == []
    second = data["refresh"]["refreshToken"]
    assert second != first and data["refresh"]["sessionId"] == session
    data, errors = await accounts.run(REFRESH, t=second)
    third = data["refresh"]["refreshToken"]
    # The spent first token comes back: the whole family ends, including the newest token.
    _, errors = await accounts.run(REFRESH, t=first)
    assert codes(errors) == ["UNAUTHENTICATED"] and errors[0]["extensions"]["reason"] == "reused"
    _, errors = await accounts.run(REFRESH, t=third)
    assert codes(errors) == ["UNAUTHENTICATED"]
    revoked = RevocationList()
    await load_current(accounts.service.redis(), revoked)
    identity = accounts.identity(data["refresh"]["accessToken"])
    assert revoked.is_revoked(identity)


async def test_logout_revokes_the_session(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    data, _ = await login(accounts, person.username)
    identity = accounts.identity(data["login"]["accessToken"])
    other, _ = await login(accounts, person.username)
    _, errors = await accounts.run(LOGOUT, identity)
    assert errors == []
    _, errors = await accounts.run(REFRESH, t=data["login"]["refreshToken"])
    assert errors[0]["extensions"]["reason"] == "revoked"
    # Another session of the same user goes on.
    _, errors = await accounts.run(REFRESH, t=other["login"]["refreshToken"])
    assert errors == []


async def test_password_reset_by_emailed_link_ends_every_session(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    data, _ = await login(accounts, person.username)
    data_unknown, _ = await accounts.run(REQUEST_RESET, email="nobody-here@example.com")
    data_known, errors = await accounts.run(REQUEST_RESET, email=person.email)
    assert errors == [] and data_known == data_unknown == {"requestPasswordReset": True}
    await accounts.settle()
    token = accounts.last_reset_token(person.email)
    _, errors = await accounts.run(RESET, t=token, p="short")
    assert codes(errors) == ["BAD_USER_INPUT"]
    new_password = "a brand new passphrase"
    _, errors = await accounts.run(RESET, t=token, p=new_password)
    assert errors == []
    _, errors = await accounts.run(RESET, t=token, p="another new passphrase")
    assert codes(errors) == ["INVALID_CODE"]
    _, errors = await accounts.run(REFRESH, t=data["login"]["refreshToken"])
    assert codes(errors) == ["UNAUTHENTICATED"]
    _, errors = await login(accounts, person.username)
    assert codes(errors) == ["UNAUTHENTICATED"]
    _, errors = await login(accounts, person.username, new_password)
    assert errors == []


async def test_reset_link_expires_after_30_minutes(accounts: Accounts) -> None:
    from datetime import timedelta

    person = await verified_person(accounts)
    await accounts.run(REQUEST_RESET, email=person.email)
    await accounts.settle()
    token = accounts.last_reset_token(person.email)
    accounts.clock.offset = timedelta(minutes=31)
    _, errors = await accounts.run(RESET, t=token, p="a brand new passphrase")
    assert codes(errors) == ["INVALID_CODE"]


async def test_api_keys_cannot_set_up_2fa(accounts: Accounts) -> None:
    key = Identity(kind=CallerKind.API_KEY, role=Role.USER, user_id="u-1", api_key_id="k-1")
    _, errors = await accounts.run(SETUP, key)
    assert codes(errors) == ["FORBIDDEN"]


async def test_two_concurrent_refreshes_with_one_token_end_the_session(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    data, _ = await login(accounts, person.username)
    token = data["login"]["refreshToken"]
    results = await asyncio.gather(accounts.run(REFRESH, t=token), accounts.run(REFRESH, t=token))
    outcomes = sorted(bool(errors) for _, errors in results)
    assert outcomes == [False, True]
    [winner] = [data for data, errors in results if not errors]
    _, errors = await accounts.run(REFRESH, t=winner["refresh"]["refreshToken"])
    assert codes(errors) == ["UNAUTHENTICATED"]


async def test_expired_refresh_token_is_rejected(accounts: Accounts) -> None:
    person = await verified_person(accounts)
    data, _ = await login(accounts, person.username)
    accounts.clock.offset = timedelta(days=31)
    _, errors = await accounts.run(REFRESH, t=data["login"]["refreshToken"])
    assert errors[0]["extensions"]["reason"] == "expired"


async def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit(
    accounts: Accounts,
) -> None:
    person = await verified_person(accounts)
    guesses = (login(accounts, person.username, f"wrong password {n:03d}") for n in range(8))
    results = await asyncio.gather(*guesses)
    answered = [codes(errors)[0] for _, errors in results]
    assert answered.count("UNAUTHENTICATED") <= 3
    assert answered.count("TOO_MANY_ATTEMPTS") >= 5
