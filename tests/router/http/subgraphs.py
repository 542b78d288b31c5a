"""Two Strawberry subgraphs for the router's HTTP and subscription tests.

accounts owns ``User.name``; reviews owns reviews, ``User.reviews`` and the
``reviewAdded`` subscription whose ``author { name }`` must come from accounts
for every event. ``PROBE`` counts subscription generators started and closed so
tests can assert that a client leaving closes the subgraph's subscription.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

USERS = {"1": "Ada", "2": "Brian"}
REVIEWS = [("r1", "Great", "1"), ("r2", "Meh", "2"), ("r3", "Fine", "1")]


class SubscriptionProbe:
    """Thread-safe counts of subscription generators started and closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started = 0
        self.closed = 0

    def start(self) -> None:
        with self._lock:
            self.started += 1

    def close(self) -> None:
        with self._lock:
            self.closed += 1

    @property
    def open(self) -> int:
        """Generators started and not yet closed."""
        with self._lock:
            return self.started - self.closed


PROBE = SubscriptionProbe()


@strawberry.federation.type(keys=["id"], name="User")
class AccountUser:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_: Any) -> AccountUser:
        return AccountUser(id=id, name=USERS[str(id)])


@strawberry.type(name="Query")
class AccountsQuery:
    @strawberry.field
    def me(self) -> AccountUser:
        return AccountUser(id=strawberry.ID("1"), name=USERS["1"])


@strawberry.federation.type(keys=["id"], name="User")
class ReviewUser:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [_review(r) for r in REVIEWS if r[2] == str(self.id)]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_: Any) -> ReviewUser:
        return ReviewUser(id=id)


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    author: ReviewUser


def _review(row: tuple[str, str, str]) -> Review:
    return Review(
        id=strawberry.ID(row[0]), body=row[1], author=ReviewUser(id=strawberry.ID(row[2]))
    )


@strawberry.type(name="Query")
class ReviewsQuery:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [_review(r) for r in REVIEWS]


@strawberry.type(name="Mutation")
class ReviewsMutation:
    @strawberry.mutation
    def add_review(self, body: str) -> Review:
        return Review(id=strawberry.ID("new"), body=body, author=ReviewUser(id=strawberry.ID("2")))


@strawberry.type(name="Subscription")
class ReviewsSubscription:
    @strawberry.subscription
    async def review_added(
        self, count: int = 3, interval: float = 0.0
    ) -> AsyncGenerator[Review, None]:
        """``count`` reviews (cycling), ``interval`` seconds apart; count < 0 never ends."""
        PROBE.start()
        try:
            index = 0
            while count < 0 or index < count:
                yield _review(REVIEWS[index % len(REVIEWS)])
                index += 1
                await asyncio.sleep(interval)
        finally:
            PROBE.close()

    @strawberry.subscription
    async def review_then_failure(self) -> AsyncGenerator[Review, None]:
        """One review, then a resolver error."""
        yield _review(REVIEWS[0])
        raise GraphQLError("review feed broke")


def _app(schema: strawberry.federation.Schema) -> GraphQL[Any, Any]:
    return GraphQL(schema, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,))


accounts_schema = strawberry.federation.Schema(query=AccountsQuery, types=[AccountUser])
reviews_schema = strawberry.federation.Schema(
    query=ReviewsQuery,
    mutation=ReviewsMutation,
    subscription=ReviewsSubscription,
    types=[ReviewUser],
)
accounts_app = _app(accounts_schema)
reviews_app = _app(reviews_schema)

SUBGRAPH_APPS = {"accounts": accounts_app, "reviews": reviews_app}


def sdl_of(schema: strawberry.federation.Schema) -> str:
    """The subgraph's ``_service { sdl }``."""
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.errors is None, result.errors
    assert result.data is not None
    sdl: str = result.data["_service"]["sdl"]
    return sdl
