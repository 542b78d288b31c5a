"""Two Strawberry subgraphs with every kind of @auth the auth plugin must handle.

accounts: public, signed-in, admin-only and scoped fields, a field without @auth, an
interface whose implementations differ, a union, non-null admin fields, mutations.
reviews: `User.reviews` (signed in), so an entity fetch can be filtered away.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import cache
from typing import Annotated

import strawberry
from strawberry.asgi import GraphQL

from router.composition.compose import compose
from router.composition.subgraph import SubgraphSchema
from shared.apps.directives import Auth, admin_only, public, signed_in
from shared.errors import MatewaySchema
from shared.identity import Role

SECRET = "s3cr3t-value"  # must never appear in a refused caller's response


@strawberry.federation.type(keys=["id"], directives=[signed_in()])
class User:
    id: strawberry.ID
    name: str
    email: str | None = strawberry.field(default=None, directives=[admin_only()])
    phone: str = strawberry.field(default=SECRET, directives=[admin_only()])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return USERS[str(id)]


USERS = {
    "1": User(id=strawberry.ID("1"), name="Ada", email=f"ada-{SECRET}"),
    "2": User(id=strawberry.ID("2"), name="Bob", email=f"bob-{SECRET}"),
}


@strawberry.interface(directives=[public()])
class Media:
    id: strawberry.ID
    title: str
    rating: int | None


@strawberry.type(directives=[public()])
class Book(Media):
    rating: int | None = strawberry.field(default=None, directives=[signed_in()])


@strawberry.type(directives=[public()])
class Movie(Media):
    rating: int | None = None


SearchResult = Annotated[Book | Movie, strawberry.union("SearchResult")]
MEDIA: list[Media] = [
    Book(id=strawberry.ID("b1"), title="Dune", rating=5),
    Movie(id=strawberry.ID("m1"), title="Alien", rating=4),
]


@strawberry.type
class Query:
    @strawberry.field(directives=[public()])
    def public_info(self) -> str:
        return "hello"

    @strawberry.field(directives=[signed_in()])
    def me(self) -> User | None:
        return USERS["1"]

    @strawberry.field(directives=[admin_only()])
    def users(self) -> list[User]:
        return list(USERS.values())

    @strawberry.field(directives=[admin_only()])
    def secret_count(self) -> int:
        return 42

    @strawberry.field(directives=[signed_in("notes:read")])
    def notes(self) -> list[str]:
        return [f"note-{SECRET}"]

    @strawberry.field
    def undecided(self) -> str:
        return f"undecided-{SECRET}"

    @strawberry.field(directives=[public()])
    def media(self) -> list[Media]:
        return MEDIA

    @strawberry.field(directives=[public()])
    def search(self) -> list[SearchResult]:
        return [m for m in MEDIA if isinstance(m, Book | Movie)]


@strawberry.type
class Mutation:
    @strawberry.mutation(directives=[signed_in("notes:write")])
    def add_note(self, text: str) -> str:
        MUTATIONS.append(text)
        return text

    @strawberry.mutation(directives=[Auth(requires=Role.ADMIN)])
    def wipe(self) -> bool:
        MUTATIONS.append("wipe")
        return True


MUTATIONS: list[str] = []


@strawberry.type(directives=[public()])
class Tick:
    n: int
    secret: str | None = strawberry.field(default=SECRET, directives=[admin_only()])


@strawberry.type
class Subscription:
    @strawberry.subscription(directives=[public()])
    async def ticks(self, count: int = 2) -> AsyncGenerator[Tick, None]:
        for n in range(count):
            yield Tick(n=n)

    @strawberry.subscription(directives=[admin_only()])
    async def admin_ticks(self) -> AsyncGenerator[int, None]:
        yield 1


@strawberry.type
class Review:
    body: str = strawberry.field(directives=[public()])


@strawberry.federation.type(name="User", keys=["id"], directives=[signed_in()])
class ReviewedUser:
    id: strawberry.ID

    @strawberry.field(directives=[signed_in()])
    def reviews(self) -> list[Review]:
        return [Review(body=f"review of {self.id}")]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewedUser:
        return cls(id=id)


@strawberry.type
class ReviewsQuery:
    @strawberry.field(directives=[public()])
    def review_count(self) -> int:
        return 1


accounts_schema = MatewaySchema(
    query=Query, mutation=Mutation, subscription=Subscription, types=[Book, Movie, User]
)
reviews_schema = MatewaySchema(query=ReviewsQuery, types=[ReviewedUser])

SCHEMAS = {"accounts": accounts_schema, "reviews": reviews_schema}


def app_of(name: str) -> GraphQL[None, None]:
    """The ASGI app of one test subgraph."""
    return GraphQL(SCHEMAS[name], graphql_ide=None)


@cache
def auth_supergraph() -> str:
    """The two subgraphs composed by our composer."""
    sources = [
        SubgraphSchema(name, f"http://in-process.{name}/graphql", schema.as_str())
        for name, schema in SCHEMAS.items()
    ]
    return compose(sources).supergraph_sdl
