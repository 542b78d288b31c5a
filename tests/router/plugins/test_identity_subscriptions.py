"""A subscription outlives one internal token: its subgraph headers renew the token."""

from __future__ import annotations

import time

import jwt
import pytest

from router.plugins.identity import LiveHeaders
from shared.auth import internal
from shared.auth.internal import InternalTokenMinter, verify_internal_token
from shared.identity import INTERNAL_TOKEN_HEADER
from tests.support.identity import signing_keys, user_identity


def test_subscription_headers_renew_the_internal_token_before_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zoe = user_identity("zoe")
    minter = InternalTokenMinter(signing_keys())
    headers = LiveHeaders({"x-trace": "1"}, minter, zoe)
    first = dict(headers.items())[INTERNAL_TOKEN_HEADER]
    assert dict(headers.items())[INTERNAL_TOKEN_HEADER] == first  # reused while fresh
    later = time.time() + 50  # 10 s left of the 60 s token: time for a new one
    monkeypatch.setattr(internal.time, "time", lambda: later)
    second = dict(headers.items())[INTERNAL_TOKEN_HEADER]
    assert second != first and headers["x-trace"] == "1"
    # Signed like any internal token, for the same caller (its iat lies in the moved future).
    claims = jwt.decode(
        second,
        signing_keys().internal_public,
        algorithms=["EdDSA"],
        audience="mateway-subgraph",
        options={"verify_iat": False, "verify_nbf": False},
    )
    assert claims["sub"] == "zoe"
    assert verify_internal_token(first, keys=signing_keys())[0] == zoe
    assert minter.minted == 2
