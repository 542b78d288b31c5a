"""Platform users as Directus users: lookups by username or email hash, creation, updates.

Users get no Directus role and no Directus password: they exist for the platform, never
sign in to Directus, and our own argon2id hash sits in `password_hash`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from shared.crypto.personal import PersonalDataCipher, PersonalField
from shared.directus.client import DirectusClient, Item
from subgraphs.core.accounts.hashing import email_hash
from subgraphs.core.accounts.usernames import normalise_username

USERS = "directus_users"
ACCOUNT_FIELDS = [
    "id",
    "status",
    "username",
    "platform_role",
    "password_hash",
    "email_verified_at",
    "email_code_hash",
    "email_code_expires_at",
    "email_code_attempts",
    "totp_enabled",
    "totp_secret_ciphertext",
    "totp_pending_secret_ciphertext",
    "backup_code_hashes",
]


class UserRecords:
    """Directus users with the platform's account fields."""

    def __init__(
        self,
        client: DirectusClient,
        lookup_key: bytes,
        personal: Callable[[], PersonalDataCipher] | None = None,
    ) -> None:
        self._client = client
        self._key = lookup_key
        # Made on first use: only creating users and reading their personal data need it.
        self._personal = personal

    async def _one(self, filter: dict[str, Any]) -> Item | None:
        rows = await self._client.read_users(filter=filter, fields=ACCOUNT_FIELDS, limit=1)
        return rows[0] if rows else None

    async def by_id(self, user_id: str) -> Item | None:
        """A user by id, or None."""
        return await self._one({"id": {"_eq": user_id}})

    async def by_username(self, username: str) -> Item | None:
        """A user by username (any case), or None."""
        return await self._one({"username": {"_eq": normalise_username(username)}})

    async def by_email(self, email: str) -> Item | None:
        """A user by email (through its keyed hash), or None."""
        return await self._one({"email_hash": {"_eq": email_hash(self._key, email)}})

    async def by_login(self, username_or_email: str) -> Item | None:
        """A user by email when the input has an `@`, else by username."""
        if "@" in username_or_email:
            return await self.by_email(username_or_email)
        return await self.by_username(username_or_email)

    async def create(
        self,
        *,
        username: str,
        email: str,
        password_hash: str,
        admin: bool,
        extra: dict[str, Any],
        display_name: str | None = None,
    ) -> Item:
        """Create an active user with the platform's fields.

        The email (and display name) are stored only encrypted, bound to the user's id (made
        here unless `extra` has it), next to the email's lookup hash. Emails are sent to the
        address the caller typed, so no flow needs to decrypt it except admins' listings.
        """
        user_id = str(extra.get("id") or uuid.uuid4())
        data = {
            "status": "active",
            "username": normalise_username(username),
            "email_hash": email_hash(self._key, email),
            "password_hash": password_hash,
            "platform_role": "admin" if admin else "user",
            **extra,
            "id": user_id,
            **self.personal_fields(user_id, email=email, display_name=display_name),
        }
        created = await self._client.create_user(data)
        return created

    def cipher(self) -> PersonalDataCipher:
        """The personal-data cipher; UNAVAILABLE (from settings) when its keys are missing."""
        if self._personal is None:
            raise RuntimeError("UserRecords was built without a personal-data cipher")
        return self._personal()

    def personal_fields(
        self, user_id: str, *, email: str | None = None, display_name: str | None = None
    ) -> dict[str, str]:
        """The ciphertext columns for the given values (only those given)."""
        cipher, fields = self.cipher(), {}
        if email is not None:
            fields["email_ciphertext"] = cipher.encrypt(PersonalField.EMAIL, user_id, email)
        if display_name is not None:
            fields["display_name_ciphertext"] = cipher.encrypt(
                PersonalField.DISPLAY_NAME, user_id, display_name
            )
        return fields

    async def set_display_name(self, user_id: str, display_name: str) -> None:
        """Store a user's display name (encrypted, bound to the user)."""
        await self.update(user_id, self.personal_fields(user_id, display_name=display_name))

    def decrypt(self, user: Item, field: PersonalField) -> str | None:
        """A user's email or display name in the clear (None when the row has none)."""
        column = f"{field.value}_ciphertext"
        stored = user.get(column)
        return self.cipher().decrypt(field, str(user["id"]), str(stored)) if stored else None

    async def update(self, user_id: str, data: dict[str, Any]) -> None:
        """Change account fields of a user."""
        await self._client.update_user(user_id, data)

    async def delete(self, user_id: str) -> None:
        """Delete a user (only to undo a sign-up that could not finish)."""
        await self._client.delete_user(user_id)
