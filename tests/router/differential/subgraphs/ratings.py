"""ratings: adds `rating` to Book and Movie (entities owned by media); one rating fails."""

from __future__ import annotations

import strawberry

from tests.benchmarks.router.subgraphs.serve import asgi_app, run


def _rating(item_id: str) -> float:
    number = int(item_id.rsplit("-", 1)[1])
    if item_id == "movie-4":
        # A deterministic failure inside an entity fetch, for error-path tests.
        raise LookupError(f"rating service has no score for {item_id}")
    return round(2.5 + (number * 7 % 5) * 0.5, 1)


@strawberry.federation.type(keys=["id"])
class Book:
    id: strawberry.ID

    @strawberry.field
    def rating(self) -> float | None:
        """The book's average rating."""
        return _rating(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book:
        """Every book id has a rating."""
        return Book(id=id)


@strawberry.federation.type(keys=["id"])
class Movie:
    id: strawberry.ID

    @strawberry.field
    def rating(self) -> float | None:
        """The movie's average rating (movie-4 fails)."""
        return _rating(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Movie:
        """Every movie id has a rating."""
        return Movie(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def rating_scale(self) -> int:
        """The highest possible rating."""
        return 5


schema = strawberry.federation.Schema(query=Query, types=[Book, Movie])
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
