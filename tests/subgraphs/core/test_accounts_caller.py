"""Who calls a core resolver: identity and IP from the context the subgraph builds."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from shared.errors import MatewayError
from shared.identity import CallerKind, Identity, Role
from subgraphs.core.accounts.caller import caller_identity, client_ip, signed_in_user, user_agent


def request_with(headers: dict[str, str]) -> Request:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/graphql", "headers": raw})


def test_client_ip_comes_from_the_context_or_the_routers_header() -> None:
    assert client_ip({"client_ip": "192.0.2.1"}) == "192.0.2.1"
    request = request_with({"x-mateway-client-ip": "192.0.2.2", "user-agent": "ua/1"})
    assert client_ip({"request": request}) == "192.0.2.2"
    assert user_agent({"request": request}) == "ua/1"
    assert client_ip({"request": request_with({})}) is None
    assert client_ip({"request": None}) is None


def test_only_signed_in_people_pass_signed_in_user() -> None:
    person = Identity(kind=CallerKind.USER, role=Role.USER, user_id="u", session_id="s")
    assert signed_in_user({"identity": person}) is person
    assert caller_identity({}) == Identity.anonymous()
    with pytest.raises(MatewayError, match="Sign in first"):
        signed_in_user({"identity": Identity.anonymous()})
    key = Identity(kind=CallerKind.API_KEY, role=Role.USER, user_id="u", api_key_id="k")
    with pytest.raises(MatewayError, match="not an API key"):
        signed_in_user({"identity": key})
