"""Users' emails and display names are stored only as ciphertext (read from Directus directly)
and decrypt for admins; sign-in and recovery by email keep working through the lookup hash."""

from __future__ import annotations

import pytest

from shared.crypto.errors import DecryptionError
from shared.crypto.personal import PersonalField
from shared.errors import MatewayError
from tests.shared.conftest import valkey
from tests.subgraphs.core.accounts_support import PASSWORD, Accounts, accounts, brevo_server
from tests.subgraphs.core.admin_support import sign_up

__all__ = ["accounts", "brevo_server", "valkey"]

ROW_FIELDS = ["*"]
USERS = "query($s: String) { adminUsers(search: $s) { users { id email displayName } } }"


async def stored_row(accounts: Accounts, user_id: str) -> dict[str, object]:
    row = await accounts.service.directus().read_user(user_id, fields=ROW_FIELDS)
    assert row is not None
    return row


async def test_email_and_display_name_are_stored_only_as_ciphertext(accounts: Accounts) -> None:
    member = await sign_up(accounts)
    users = accounts.service.accounts().users
    await users.set_display_name(member.id, "Ada Q. Canary")
    row = await stored_row(accounts, member.id)
    text = str(row).lower()
    assert member.email.lower() not in text and member.email.split("@")[0] not in text
    assert "ada q. canary" not in text
    assert row["email"] is None  # Directus's own email column stays empty
    assert row["email_ciphertext"] and row["display_name_ciphertext"]
    assert users.decrypt(row, PersonalField.EMAIL) == member.email
    assert users.decrypt(row, PersonalField.DISPLAY_NAME) == "Ada Q. Canary"


async def test_admins_read_decrypted_personal_data(accounts: Accounts) -> None:
    admin = await sign_up(accounts, admin=True)
    member = await sign_up(accounts)
    await accounts.service.accounts().users.set_display_name(member.id, "Grace")
    identity = accounts.identity(await _token(accounts, admin.username))
    data, errors = await accounts.run(USERS, identity, s=member.email)
    assert not errors, errors
    assert data == {
        "adminUsers": {"users": [{"id": member.id, "email": member.email, "displayName": "Grace"}]}
    }


async def test_ciphertext_moved_to_another_user_does_not_decrypt(accounts: Accounts) -> None:
    first, second = await sign_up(accounts), await sign_up(accounts)
    users = accounts.service.accounts().users
    moved = {**await stored_row(accounts, second.id), "id": first.id}
    assert users.decrypt(await stored_row(accounts, first.id), PersonalField.EMAIL) == first.email
    with pytest.raises(DecryptionError):
        users.decrypt(moved, PersonalField.EMAIL)


async def test_login_and_password_reset_by_email_still_work(accounts: Accounts) -> None:
    member = await sign_up(accounts)
    assert await _token(accounts, member.email.upper())
    _, errors = await accounts.run(
        "mutation($e: String!) { requestPasswordReset(email: $e) }", e=member.email
    )
    assert not errors
    await accounts.settle()
    assert accounts.last_reset_token(member.email)


async def test_sign_up_needs_the_personal_data_key(accounts: Accounts) -> None:
    settings = accounts.settings.model_copy(update={"key_encryption_key": None})
    with pytest.raises(MatewayError) as caught:
        settings.personal_cipher()
    assert caught.value.code.value == "UNAVAILABLE"


async def _token(accounts: Accounts, name: str) -> str:
    data, errors = await accounts.run(
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        i={"usernameOrEmail": name, "password": PASSWORD},
    )
    assert not errors, errors
    assert data is not None
    token: str = data["login"]["accessToken"]
    return token
