"""Access tokens: round trip, expiry, tampering, wrong key and wrong type are refused."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from shared.auth import TokenError, TokenKeys, issue_access_token, verify_access_token
from shared.auth.keys import ACCESS_TOKEN_INFO, INTERNAL_TOKEN_INFO, derive_key
from shared.identity import CallerKind, Identity, Role

KEYS = TokenKeys.from_secret("test-signing-secret-0123456789abcdef")
ALICE = Identity(kind=CallerKind.USER, role=Role.ADMIN, user_id="u-alice", session_id="s-1")


def test_access_token_round_trip_returns_the_identity() -> None:
    token = issue_access_token(ALICE, keys=KEYS)
    assert verify_access_token(token, keys=KEYS) == ALICE


def test_access_token_has_the_documented_claims() -> None:
    token = issue_access_token(ALICE, keys=KEYS, ttl=timedelta(minutes=3))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    assert claims["typ"] == "access" and claims["iss"] == "mateway"
    assert (claims["sub"], claims["role"], claims["sid"]) == ("u-alice", "admin", "s-1")
    assert claims["exp"] - claims["iat"] == 180
    assert (
        claims["jti"]
        != jwt.decode(issue_access_token(ALICE, keys=KEYS), options={"verify_signature": False})[
            "jti"
        ]
    )


def test_expired_access_token_is_refused_as_expired() -> None:
    now = int(time.time())
    claims = {"iss": "mateway", "typ": "access", "sub": "u", "role": "user", "sid": "s"}
    token = jwt.encode(
        {**claims, "iat": now - 700, "exp": now - 60}, KEYS.access_private, algorithm="EdDSA"
    )
    with pytest.raises(TokenError) as caught:
        verify_access_token(token, keys=KEYS)
    assert caught.value.reason == "expired"
    assert caught.value.code.value == "UNAUTHENTICATED"


def test_tampered_access_token_is_refused_as_bad_signature() -> None:
    header, payload, signature = issue_access_token(ALICE, keys=KEYS).split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"admin"', b'"user"')
    ).decode()
    with pytest.raises(TokenError) as caught:
        verify_access_token(f"{header}.{forged}.{signature}", keys=KEYS)
    assert caught.value.reason == "bad_signature"


def test_access_token_signed_with_another_secret_is_refused() -> None:
    other = TokenKeys.from_secret("a-different-platform-secret")
    with pytest.raises(TokenError) as caught:
        verify_access_token(issue_access_token(ALICE, keys=other), keys=KEYS)
    assert caught.value.reason == "bad_signature"


def test_token_of_another_type_is_refused_as_wrong_type() -> None:
    now = int(time.time())
    claims = {"iss": "mateway", "typ": "refresh", "sub": "u", "role": "user", "sid": "s"}
    token = jwt.encode(
        {**claims, "iat": now, "exp": now + 60}, KEYS.access_private, algorithm="EdDSA"
    )
    with pytest.raises(TokenError) as caught:
        verify_access_token(token, keys=KEYS)
    assert caught.value.reason == "wrong_type"


def test_unsigned_or_hmac_token_is_refused() -> None:
    claims = {"iss": "mateway", "typ": "access", "sub": "u", "role": "admin", "sid": "s"}
    now = int(time.time())
    for algorithm, key in (("none", None), ("HS256", "guess-guess-guess-guess-guess-guess")):
        token = jwt.encode({**claims, "iat": now, "exp": now + 60}, key, algorithm=algorithm)
        with pytest.raises(TokenError):
            verify_access_token(token, keys=KEYS)


def test_garbage_is_refused_as_malformed() -> None:
    with pytest.raises(TokenError) as caught:
        verify_access_token("not-a-token", keys=KEYS)
    assert caught.value.reason == "malformed"


def test_access_tokens_are_only_for_signed_in_sessions() -> None:
    with pytest.raises(ValueError):
        issue_access_token(Identity.anonymous(), keys=KEYS)
    with pytest.raises(ValueError):
        issue_access_token(ALICE, keys=KEYS, ttl=timedelta(days=1))


def test_each_purpose_derives_a_different_key() -> None:
    secret = b"s" * 32
    assert derive_key(secret, ACCESS_TOKEN_INFO) != derive_key(secret, INTERNAL_TOKEN_INFO)
    token = issue_access_token(ALICE, keys=KEYS)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, KEYS.internal_public, algorithms=["EdDSA"])


def test_empty_signing_secret_is_refused() -> None:
    with pytest.raises(Exception, match="MATEWAY_SIGNING_KEY"):
        TokenKeys.from_secret("")
