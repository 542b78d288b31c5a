"""The mates app's federation schema."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public, signed_in
from shared.errors import MatewaySchema
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations import (
    add_chat_to_collection,
    create_collection,
    create_mate,
    delete_collection,
    delete_mate,
    remove_chat_from_collection,
    rename_collection,
    update_mate,
)
from subgraphs.mates.service import builtin_mates_by_id
from subgraphs.mates.types import (
    READ,
    Chat,
    Collection,
    Mate,
    MatePage,
    User,
    caller_collections,
    mate_page,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="The mates this server offers to everyone.", directives=[public()]
    )
    def builtin_mates(self) -> list[Mate]:
        return [Mate.from_definition(mate) for mate in builtin_mates_by_id().values()]

    @strawberry.field(description="One built-in mate by id, or null.", directives=[public()])
    def builtin_mate(self, id: strawberry.ID) -> Mate | None:
        definition = builtin_mates_by_id().get(str(id))
        return Mate.from_definition(definition) if definition else None

    @strawberry.field(
        description="Your mates and the built-in ones (built-in first), `first` (1-100) at a time.",
        directives=[signed_in(READ)],
    )
    async def mates(
        self, info: strawberry.Info, first: int | None = 20, after: str | None = None
    ) -> MatePage:
        return await mate_page(info, first, after)

    @strawberry.field(
        description="One of your mates or a built-in one; NOT_FOUND for any other.",
        directives=[signed_in(READ)],
    )
    async def mate(self, info: strawberry.Info, id: strawberry.ID) -> Mate:
        definition = builtin_mates_by_id().get(str(id))
        if definition is not None:
            return Mate.from_definition(definition)
        return Mate.from_row(await request_scope(info.context).mates().get(str(id)))

    @strawberry.field(description="Your collections of chats.", directives=[signed_in(READ)])
    async def collections(self, info: strawberry.Info) -> list[Collection]:
        return await caller_collections(info)

    @strawberry.field(
        description="One of your collections; NOT_FOUND for any other.",
        directives=[signed_in(READ)],
    )
    async def collection(self, info: strawberry.Info, id: strawberry.ID) -> Collection:
        return Collection.from_row(await request_scope(info.context).collections().get(str(id)))

    @strawberry.field(
        description="You: your mates and collections here, your account fields from core.",
        directives=[signed_in()],
    )
    def profile(self, info: strawberry.Info) -> User:
        return User(id=strawberry.ID(request_scope(info.context).owner_id))


@strawberry.type
class Mutation:
    """Mates and collections (the guide's /v1/mysoftwarename/*): one module each."""

    create_mate = create_mate.field
    update_mate = update_mate.field
    delete_mate = delete_mate.field
    create_collection = create_collection.field
    rename_collection = rename_collection.field
    delete_collection = delete_collection.field
    add_chat_to_collection = add_chat_to_collection.field
    remove_chat_from_collection = remove_chat_from_collection.field


schema = MatewaySchema(
    query=Query, mutation=Mutation, types=[Mate, MatePage, Collection, Chat, User]
)
