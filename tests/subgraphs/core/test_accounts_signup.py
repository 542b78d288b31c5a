"""Sign-up, username check and email codes on the core subgraph (real Directus, Valkey, Brevo)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.shared.conftest import valkey
from tests.subgraphs.core.accounts_support import (
    PASSWORD,
    Accounts,
    accounts,
    brevo_server,
    unique_name,
)

__all__ = ["accounts", "brevo_server", "valkey"]

SIGNUP = (
    """mutation($input: SignupInput!) { signup(input: $input) { userId emailCodeExpiresIn } }"""
)
VERIFY = "mutation($email: String!, $code: String!) { verifyEmailCode(email: $email, code: $code) }"
CHECK = "query($u: String!) { checkUsernameValid(username: $u) { valid message } }"


async def sign_up(accounts: Accounts, **overrides: str) -> tuple[dict | None, list[dict]]:
    values = {
        "inviteCode": overrides.get("inviteCode") or await accounts.invite(),
        "username": overrides.get("username", unique_name()),
        "email": overrides.get("email", f"{unique_name('e')}@example.com"),
        "password": overrides.get("password", PASSWORD),
    }
    return await accounts.run(SIGNUP, input=values)


def codes(errors: list[dict]) -> list[str]:
    return [e["extensions"]["code"] for e in errors]


async def test_signup_emails_a_code_that_verifies_the_address(accounts: Accounts) -> None:
    email = f"{unique_name('e')}@example.com"
    data, errors = await sign_up(accounts, email=email)
    assert errors == [] and data is not None
    assert data["signup"]["emailCodeExpiresIn"] == 600
    sent = accounts.brevo.emails_to(email)
    assert len(sent) == 1 and sent[0].html and accounts.last_code(email) in sent[0].html
    data, errors = await accounts.run(VERIFY, email=email, code=accounts.last_code(email))
    assert errors == [] and data == {"verifyEmailCode": True}
    user = await accounts.service.accounts().users.by_email(email)
    assert user is not None and user["email_verified_at"] and user["platform_role"] == "user"
    assert user["email_code_hash"] is None


async def test_signup_refuses_weak_password_and_bad_username_with_field_details(
    accounts: Accounts,
) -> None:
    name = unique_name()
    _, errors = await sign_up(accounts, username=name, password=f"x{name}123456")
    assert codes(errors) == ["BAD_USER_INPUT"]
    fields = errors[0]["extensions"]["fields"]
    assert {"field": "password", "message": "Password must not contain the username"} in fields
    _, errors = await sign_up(accounts, username="ab!cd", password="password1234")
    messages = {f["field"]: f["message"] for f in errors[0]["extensions"]["fields"]}
    assert "only letters" in messages["username"]
    assert "too common" in messages["password"]
    _, errors = await sign_up(accounts, password="short")
    assert "at least 12" in errors[0]["extensions"]["fields"][0]["message"]


async def test_signup_with_invalid_email_is_bad_input_for_that_field(accounts: Accounts) -> None:
    _, errors = await sign_up(accounts, email="not-an-email")
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert [f["field"] for f in errors[0]["extensions"]["fields"]] == ["email"]


async def test_taken_username_is_refused_in_any_case(accounts: Accounts) -> None:
    name = unique_name()
    _, errors = await sign_up(accounts, username=name)
    assert errors == []
    data, _ = await accounts.run(CHECK, u=name.upper())
    assert data == {
        "checkUsernameValid": {"valid": False, "message": "This username is already taken"}
    }
    _, errors = await sign_up(accounts, username=name.upper())
    assert errors[0]["extensions"]["fields"] == [
        {"field": "username", "message": "This username is already taken"}
    ]
    data, _ = await accounts.run(CHECK, u=unique_name())
    assert data == {"checkUsernameValid": {"valid": True, "message": None}}
    data, _ = await accounts.run(CHECK, u="x" * 31)
    assert data["checkUsernameValid"]["message"] == "Username must be at most 30 characters long"


async def test_used_invite_is_refused(accounts: Accounts) -> None:
    invite = await accounts.invite()
    _, errors = await sign_up(accounts, inviteCode=invite)
    assert errors == []
    _, errors = await sign_up(accounts, inviteCode=invite)
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["fields"][0]["field"] == "inviteCode"


async def test_first_admin_invite_makes_an_admin_and_others_make_users(
    accounts: Accounts, no_admins_nor_invites: object
) -> None:
    email = f"{unique_name('e')}@example.com"
    _, errors = await sign_up(
        accounts, inviteCode=await accounts.invite(makes_admin=True), email=email
    )
    assert errors == []
    user = await accounts.service.accounts().users.by_email(email)
    assert user is not None and user["platform_role"] == "admin"
    # A second admin invite no longer makes an admin: one already exists.
    email = f"{unique_name('e')}@example.com"
    _, errors = await sign_up(
        accounts, inviteCode=await accounts.invite(makes_admin=True), email=email
    )
    user = await accounts.service.accounts().users.by_email(email)
    assert errors == [] and user is not None and user["platform_role"] == "user"


async def test_failed_email_send_leaves_no_user_and_gives_the_invite_back(
    accounts: Accounts,
) -> None:
    invite, name = await accounts.invite(), unique_name()
    accounts.brevo.refuse_with = (400, "invalid_parameter", "sender is not valid")
    _, errors = await sign_up(accounts, inviteCode=invite, username=name)
    assert codes(errors) == ["UNAVAILABLE"] and "nothing was created" in errors[0]["message"]
    assert await accounts.service.accounts().users.by_username(name) is None
    accounts.brevo.refuse_with = None
    _, errors = await sign_up(accounts, inviteCode=invite, username=name)
    assert errors == []


async def test_wrong_expired_and_sixth_email_codes_are_refused(accounts: Accounts) -> None:
    email = f"{unique_name('e')}@example.com"
    await sign_up(accounts, email=email)
    right = accounts.last_code(email)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    _, errors = await accounts.run(VERIFY, email=email, code=wrong)
    assert codes(errors) == ["INVALID_CODE"]
    accounts.clock.offset = timedelta(minutes=11)
    _, errors = await accounts.run(VERIFY, email=email, code=right)
    assert codes(errors) == ["CODE_EXPIRED"]
    accounts.clock.offset = timedelta(0)
    for _ in range(3):
        _, errors = await accounts.run(VERIFY, email=email, code=wrong)
        assert codes(errors) == ["INVALID_CODE"]
    # Five attempts are spent (one expired): the sixth is refused even with the right code.
    _, errors = await accounts.run(VERIFY, email=email, code=right)
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]


async def test_unknown_email_answers_like_a_wrong_code(accounts: Accounts) -> None:
    _, errors = await accounts.run(VERIFY, email="nobody@example.com", code="123456")
    assert codes(errors) == ["INVALID_CODE"]


async def test_probing_taken_emails_with_one_invite_is_locked(accounts: Accounts) -> None:
    email = f"{unique_name('e')}@example.com"
    _, errors = await sign_up(accounts, email=email)
    assert errors == []
    invite = await accounts.invite()
    for _ in range(2):
        _, errors = await sign_up(accounts, inviteCode=invite, email=email)
        assert codes(errors) == ["BAD_USER_INPUT"]
    _, errors = await sign_up(accounts, inviteCode=invite, email=email)
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]
    _, errors = await sign_up(accounts, inviteCode=invite)
    assert codes(errors) == ["TOO_MANY_ATTEMPTS"]


async def test_resent_code_replaces_the_old_one_at_most_once_a_minute(accounts: Accounts) -> None:
    resend = "mutation($email: String!) { resendEmailCode(email: $email) }"
    email = f"{unique_name('e')}@example.com"
    await sign_up(accounts, email=email)
    first = accounts.last_code(email)
    data, errors = await accounts.run(resend, email=email)
    assert errors == [] and data == {"resendEmailCode": True}
    await accounts.settle()
    assert len(accounts.brevo.emails_to(email)) == 2
    await accounts.run(resend, email=email)
    await accounts.settle()
    assert len(accounts.brevo.emails_to(email)) == 2
    second = accounts.last_code(email)
    if first != second:  # one chance in a million that they are equal
        _, errors = await accounts.run(VERIFY, email=email, code=first)
        assert codes(errors) == ["INVALID_CODE"]
    _, errors = await accounts.run(VERIFY, email=email, code=second)
    assert errors == []
    data, _ = await accounts.run(resend, email="nobody-at-all@example.com")
    assert data == {"resendEmailCode": True}


async def test_a_single_use_invite_makes_one_account_under_concurrent_signups(
    accounts: Accounts,
) -> None:
    invite = await accounts.invite()
    results = await asyncio.gather(*(sign_up(accounts, inviteCode=invite) for _ in range(3)))
    assert sorted(codes(errors) for _, errors in results) == [
        [],
        ["BAD_USER_INPUT"],
        ["BAD_USER_INPUT"],
    ]
