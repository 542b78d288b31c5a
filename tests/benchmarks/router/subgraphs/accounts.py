"""accounts: users (`User @key(id)`), with two fields that fail on purpose for error tests."""

from __future__ import annotations

import strawberry

from tests.benchmarks.router.subgraphs import data
from tests.benchmarks.router.subgraphs.serve import asgi_app, run


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str | None
    username: str | None = strawberry.federation.field(shareable=True)

    @strawberry.field
    def private_note(self) -> str | None:
        """Always fails: a nullable field whose error must carry the client path."""
        raise PermissionError(f"private note of {self.id} is not visible")

    @strawberry.field
    def risk_score(self) -> int:
        """Non-null; fails for every seventh user so null propagation reaches the parent."""
        number = int(self.id.removeprefix("user-"))
        if number % 7 == 0:
            raise ValueError(f"risk score of {self.id} is unavailable")
        return number * 3 % 100

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        """Looks a user up by id; unknown ids resolve to null."""
        return user_by_id(id)


def user_by_id(user_id: str) -> User | None:
    """The User for a row id, or None when there is no such user."""
    row = data.USERS.get(user_id)
    if row is None:
        return None
    return User(id=strawberry.ID(row.id), name=row.name, username=row.username)


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> User | None:
        """The signed-in user (always the first one here)."""
        return user_by_id("user-1")

    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        """A user by id, or null."""
        return user_by_id(id)

    @strawberry.field
    def users(self, first: int = 10, offset: int = 0) -> list[User]:
        """A page of users in id order."""
        rows = list(data.USERS)[offset : offset + first]
        return [user for user in map(user_by_id, rows) if user is not None]


schema = strawberry.federation.Schema(query=Query)
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
