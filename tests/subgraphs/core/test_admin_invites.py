"""Admin invites through the router: created once-shown, used by sign-ups, expired, revoked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.shared.conftest import ValkeyServer, valkey
from tests.subgraphs.core.accounts_support import PASSWORD, Accounts, accounts, brevo_server
from tests.subgraphs.core.admin_support import Member, RouterClient, router_client, sign_up

__all__ = ["accounts", "brevo_server", "valkey"]

CREATE = """mutation($i: CreateInviteInput) {
  createInvite(input: $i) { code invite { id uses maxUses usable makesAdmin expiresAt } }
}"""
LIST = """query($f: Int, $a: String) {
  invites(first: $f, after: $a) { invites { id uses usable } endCursor hasNextPage }
}"""
REVOKE = "mutation($id: ID!) { revokeInvite(id: $id) { id usable } }"
VALID = "query($t: String!) { checkInviteTokenValid(token: $t) }"
SIGNUP = "mutation($i: SignupInput!) { signup(input: $i) { userId } }"


@pytest.fixture
async def client(accounts: Accounts, valkey: ValkeyServer) -> AsyncIterator[RouterClient]:
    async with router_client(valkey, 3) as make:
        yield make()


@pytest.fixture
async def admin_token(accounts: Accounts, client: RouterClient) -> str:
    admin = await sign_up(accounts, admin=True)
    return await client.token(admin.username)


def code_of(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list)
    return str(errors[0]["extensions"]["code"])


async def signup_with(client: RouterClient, code: str, name: str) -> dict[str, object]:
    data = {
        "inviteCode": code,
        "username": name,
        "email": f"{name}@example.com",
        "password": PASSWORD,
    }
    return await client.run(SIGNUP, i=data)


async def test_admin_invite_makes_normal_users_for_its_uses_only(
    accounts: Accounts, client: RouterClient, admin_token: str
) -> None:
    body = await client.run(CREATE, admin_token, i={"maxUses": 2})
    created = body["data"]["createInvite"]
    assert created["invite"] == {
        "id": created["invite"]["id"],
        "uses": 0,
        "maxUses": 2,
        "usable": True,
        "makesAdmin": False,
        "expiresAt": None,
    }
    code = created["code"]
    stored = await accounts.service.directus().read_items(
        "invite_codes", filter={"id": {"_eq": created["invite"]["id"]}}, limit=1
    )
    assert code not in str(stored) and code.replace("-", "") not in str(stored)
    members = []
    for _ in range(2):
        member = await sign_up(accounts, invite=code)
        members.append(member)
    roles = await accounts.service.directus().read_users(
        filter={"id": {"_in": [m.id for m in members]}}, fields=["platform_role"]
    )
    assert [row["platform_role"] for row in roles] == ["user", "user"]
    refused = await signup_with(client, code, "third" + members[0].username)
    assert code_of(refused) == "BAD_USER_INPUT"
    assert (await client.run(VALID, t=code))["data"] == {"checkInviteTokenValid": False}


async def test_expired_and_revoked_invites_cannot_be_used(
    accounts: Accounts, client: RouterClient, admin_token: str
) -> None:
    soon = datetime.now(UTC) + timedelta(minutes=5)
    body = await client.run(CREATE, admin_token, i={"expiresAt": soon.isoformat()})
    expiring = body["data"]["createInvite"]["code"]
    assert (await client.run(VALID, t=expiring))["data"] == {"checkInviteTokenValid": True}
    accounts.clock.offset = timedelta(minutes=6)  # the sign-up sees the invite expired
    assert (
        code_of(await signup_with(client, expiring, "late" + expiring[:4].lower()))
        == "BAD_USER_INPUT"
    )
    accounts.clock.offset = timedelta(0)
    body = await client.run(CREATE, admin_token)
    invite = body["data"]["createInvite"]
    revoked = await client.run(REVOKE, admin_token, id=invite["invite"]["id"])
    assert revoked["data"]["revokeInvite"] == {"id": invite["invite"]["id"], "usable": False}
    assert (await client.run(VALID, t=invite["code"]))["data"] == {"checkInviteTokenValid": False}
    unknown = "00000000-0000-4000-8000-000000000000"
    assert code_of(await client.run(REVOKE, admin_token, id=unknown)) == "NOT_FOUND"


async def test_invalid_invite_requests_are_refused(client: RouterClient, admin_token: str) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for given in ({"makesAdmin": True}, {"maxUses": 0}, {"expiresAt": past}):
        assert code_of(await client.run(CREATE, admin_token, i=given)) == "BAD_USER_INPUT"


async def test_invites_list_pages_newest_first_without_codes(
    client: RouterClient, admin_token: str
) -> None:
    made = [await client.run(CREATE, admin_token) for _ in range(2)]
    ids = {body["data"]["createInvite"]["invite"]["id"] for body in made}
    both = (await client.run(LIST, admin_token, f=2))["data"]["invites"]
    first = (await client.run(LIST, admin_token, f=1))["data"]["invites"]
    assert first["hasNextPage"] is True
    second = (await client.run(LIST, admin_token, f=1, a=first["endCursor"]))["data"]["invites"]
    assert first["invites"] + second["invites"] == both["invites"]
    everything = (await client.run(LIST, admin_token, f=100))["data"]["invites"]["invites"]
    assert ids <= {invite["id"] for invite in everything}
    assert all(set(invite) == {"id", "uses", "usable"} for invite in everything)


async def test_only_admins_manage_invites(
    accounts: Accounts, client: RouterClient, admin_token: str
) -> None:
    member: Member = await sign_up(accounts)
    token = await client.token(member.username)
    assert code_of(await client.run(CREATE, token)) == "FORBIDDEN"
    assert code_of(await client.run(LIST, token)) == "FORBIDDEN"
    assert code_of(await client.run(LIST)) == "UNAUTHENTICATED"
    body = await client.run(CREATE, admin_token)
    invite_id = body["data"]["createInvite"]["invite"]["id"]
    assert code_of(await client.run(REVOKE, token, id=invite_id)) == "FORBIDDEN"
    assert (await client.run(VALID, t=body["data"]["createInvite"]["code"]))["data"] == {
        "checkInviteTokenValid": True
    }
