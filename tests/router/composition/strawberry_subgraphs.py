"""Two Strawberry federation subgraphs whose `_service { sdl }` the tests compose."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry
from strawberry.asgi import GraphQL


@strawberry.enum(description="Sort order")
class Order(enum.Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="A page request")
class Page:
    first: int = 10
    after: str | None = None


@strawberry.federation.interface(keys=["id"])
class Node:
    id: strawberry.ID


@strawberry.federation.type(
    keys=["id"],
    description="A chat user with a rather long description that exceeds seventy characters",
)
class User(Node):
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True, description="Display name\nsecond line")
    email: str | None = strawberry.federation.field(inaccessible=True)

    @strawberry.field
    def friends(
        self,
        page: Annotated[Page | None, strawberry.argument(description="paging")] = None,
        order: Order = Order.ASC,
    ) -> list[User]:
        return []


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def me(self) -> User | None:
        return User(id=strawberry.ID("1"), name="Ada", email=None)


@strawberry.type
class AccountsMutation:
    @strawberry.mutation
    def rename(self, name: str) -> User:
        return User(id=strawberry.ID("1"), name=name, email=None)


accounts_schema = strawberry.federation.Schema(
    query=AccountsQuery, mutation=AccountsMutation, types=[User]
)


@strawberry.federation.type(keys=["id"])
class Chat:
    id: strawberry.ID
    title: str = strawberry.federation.field(tags=["public"])


@strawberry.federation.type(keys=["id"], name="User")
class ChatUser:
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)
    email: str | None = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["email"])
    def chats(self) -> list[Chat]:
        return []


@strawberry.type
class ChatsQuery:
    @strawberry.federation.field(authenticated=True)
    def chats(self, order: Order | None = None) -> list[Chat]:
        return []


chats_schema = strawberry.federation.Schema(query=ChatsQuery, types=[ChatUser])
accounts_app = GraphQL(accounts_schema)
chats_app = GraphQL(chats_schema)


@strawberry.federation.type(keys=["id"], name="User")
class ConflictingUser:
    id: strawberry.ID
    name: str  # not @shareable, while accounts resolves User.name too


@strawberry.type
class ConflictingQuery:
    @strawberry.field
    def users(self) -> list[ConflictingUser]:
        return []


conflicting_app = GraphQL(strawberry.federation.Schema(query=ConflictingQuery))
