"""PersonalDataCipher: emails and names encrypted per owner, keyed lookup hashes."""

from __future__ import annotations

import pytest

from shared.crypto import DecryptionError, PersonalDataCipher, PersonalField

KEK = "kek-secret-for-tests"
LOOKUP = "lookup-secret-for-tests"


@pytest.fixture
def personal() -> PersonalDataCipher:
    return PersonalDataCipher.from_secrets(KEK, LOOKUP)


def test_email_round_trips_as_given(personal: PersonalDataCipher) -> None:
    stored = personal.encrypt(PersonalField.EMAIL, "user-1", " Ada@Example.org ")
    assert "Ada" not in stored and "example" not in stored.lower()
    assert personal.decrypt(PersonalField.EMAIL, "user-1", stored) == " Ada@Example.org "


def test_value_moved_to_another_user_or_field_fails(personal: PersonalDataCipher) -> None:
    stored = personal.encrypt(PersonalField.EMAIL, "user-1", "ada@example.org")
    with pytest.raises(DecryptionError):
        personal.decrypt(PersonalField.EMAIL, "user-2", stored)
    with pytest.raises(DecryptionError):
        personal.decrypt(PersonalField.DISPLAY_NAME, "user-1", stored)


def test_another_key_encryption_key_cannot_decrypt(personal: PersonalDataCipher) -> None:
    stored = personal.encrypt(PersonalField.DISPLAY_NAME, "user-1", "Ada")
    other = PersonalDataCipher.from_secrets("another kek", LOOKUP)
    with pytest.raises(DecryptionError):
        other.decrypt(PersonalField.DISPLAY_NAME, "user-1", stored)


def test_email_lookup_hash_ignores_case_and_surrounding_spaces(
    personal: PersonalDataCipher,
) -> None:
    expected = personal.email_hash("ada@example.org")
    assert personal.email_hash("  ADA@Example.ORG\n") == expected
    assert personal.email_hash("ada@example.com") != expected
    assert len(expected) == 64 and "ada" not in expected


def test_lookup_hash_is_keyed_and_separates_fields(personal: PersonalDataCipher) -> None:
    other_key = PersonalDataCipher.from_secrets(KEK, "another lookup secret")
    assert other_key.email_hash("ada@example.org") != personal.email_hash("ada@example.org")
    assert personal.lookup_hash(PersonalField.DISPLAY_NAME, "ada") != personal.email_hash("ada")


def test_display_name_hash_collapses_spaces_and_case(personal: PersonalDataCipher) -> None:
    name = PersonalField.DISPLAY_NAME
    assert personal.lookup_hash(name, " Ada   Lovelace ") == personal.lookup_hash(
        name, "ada lovelace"
    )


def test_encryption_is_randomised(personal: PersonalDataCipher) -> None:
    first = personal.encrypt(PersonalField.EMAIL, "user-1", "ada@example.org")
    assert first != personal.encrypt(PersonalField.EMAIL, "user-1", "ada@example.org")


def test_short_lookup_key_is_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        PersonalDataCipher.from_secrets(KEK, "short")
