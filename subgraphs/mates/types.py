"""Output types and entities of the mates app: Mate, Collection, and Chat and User references."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from shared.apps.directives import public, signed_in
from shared.directus.client import Item
from shared.errors import ErrorCode, MatewayError
from subgraphs.mates.context import request_scope
from subgraphs.mates.pagination import decode_cursor, encode_cursor
from subgraphs.mates.service import MateDefinition, builtin_mates_by_id
from subgraphs.mates.validation import PageArguments

READ = "mates:read"


# The type is public so the built-in mates (their prompts are in the open-source repository)
# are readable by anyone; a user's own mates are reached only through signed-in fields and
# entity lookups that check the owner, so `public` on the type exposes none of them.
@strawberry.federation.type(
    keys=["id"], description="An AI assistant people chat with.", directives=[public()]
)
class Mate:
    id: strawberry.ID
    name: str
    description: str
    system_prompt: str
    preferred_model: str
    allowed_apps: list[str]
    avatar_colour: str = strawberry.field(description="Hex colour of the mate's avatar, #RRGGBB.")
    builtin: bool = strawberry.field(description="Offered by the server to everyone.")

    @classmethod
    def from_definition(cls, definition: MateDefinition) -> Mate:
        """A built-in mate as a GraphQL object."""
        return cls(
            id=strawberry.ID(definition.id),
            name=definition.name,
            description=definition.description,
            system_prompt=definition.system_prompt,
            preferred_model=definition.preferred_model,
            allowed_apps=list(definition.allowed_apps),
            avatar_colour=definition.avatar_colour,
            builtin=True,
        )

    @classmethod
    def from_row(cls, row: Item) -> Mate:
        """A user's mate stored in Directus as a GraphQL object."""
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=str(row["name"]),
            description=str(row.get("description") or ""),
            system_prompt=str(row.get("system_prompt") or ""),
            preferred_model=str(row.get("preferred_model") or "default"),
            allowed_apps=[str(app) for app in row.get("allowed_apps") or []],
            avatar_colour=str(row.get("avatar_colour") or ""),
            builtin=False,
        )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Mate | None:
        """Entity lookup: built-ins for anyone, a stored mate for its owner only, else null."""
        definition = builtin_mates_by_id().get(str(id))
        if definition is not None:
            return cls.from_definition(definition)
        scope = request_scope(info.context)
        if not scope.identity.is_authenticated or not scope.identity.user_id:
            return None
        row = await scope.mate_rows.load(str(id))
        return cls.from_row(row) if row else None


@strawberry.type(
    description="One page of mates: the built-in ones first, then your own.",
    directives=[signed_in(READ)],
)
class MatePage:
    nodes: list[Mate]
    next_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on the last page."
    )


async def mate_page(info: strawberry.Info, first: int | None, after: str | None) -> MatePage:
    """A page of the caller's mates (built-in ones included)."""
    first = 20 if first is None else first
    arguments = PageArguments.model_validate({"first": first, "after": after})
    offset = decode_cursor(arguments.after)
    page = await request_scope(info.context).mates().page(offset, arguments.first)
    nodes = [Mate.from_definition(d) for d in page.builtins] + [Mate.from_row(r) for r in page.rows]
    cursor = encode_cursor(offset + len(nodes)) if page.has_next else None
    return MatePage(nodes=nodes, next_cursor=cursor)


# A reference only: core owns chats and resolves their fields; mates knows just the id.
@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="A conversation between a user and mates.",
    directives=[signed_in("chats:read")],
)
class Chat:
    id: strawberry.ID


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


@strawberry.type(description="A folder of your chats.", directives=[signed_in(READ)])
class Collection:
    id: strawberry.ID
    name: str
    created_at: datetime | None

    @strawberry.field(description="The chats in this collection, in the order they were added.")
    async def chats(self, info: strawberry.Info) -> list[Chat]:
        ids = await request_scope(info.context).chat_ids.load(str(self.id))
        return [Chat(id=strawberry.ID(chat_id)) for chat_id in ids]

    @classmethod
    def from_row(cls, row: Item) -> Collection:
        """A collections row as a GraphQL object."""
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=str(row["name"]),
            created_at=_when(row.get("date_created")),
        )


async def caller_collections(info: strawberry.Info) -> list[Collection]:
    """The caller's collections, oldest first."""
    rows = await request_scope(info.context).collections().owned()
    return [Collection.from_row(row) for row in rows]


def _own_profile(info: strawberry.Info, user_id: str) -> None:
    """Mates and collections are shown to their owner only; anyone else gets NOT_FOUND."""
    if request_scope(info.context).owner_id != user_id:
        raise MatewayError(ErrorCode.NOT_FOUND, "No such user")


# Core owns users; mates adds what belongs to a user here, so the router joins the two.
@strawberry.federation.type(
    keys=["id"], description="A person with an account.", directives=[signed_in()]
)
class User:
    id: strawberry.ID

    @strawberry.field(
        description="Your mates, the built-in ones first.", directives=[signed_in(READ)]
    )
    async def mates(
        self, info: strawberry.Info, first: int | None = 20, after: str | None = None
    ) -> MatePage:
        _own_profile(info, str(self.id))
        return await mate_page(info, first, after)

    @strawberry.field(description="Your collections of chats.", directives=[signed_in(READ)])
    async def collections(self, info: strawberry.Info) -> list[Collection]:
        _own_profile(info, str(self.id))
        return await caller_collections(info)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        """Any id is a reference; the fields check that it is the caller's own."""
        return cls(id=id)
