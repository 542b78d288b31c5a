"""ratings: adds `rating` to Book and Movie (entities owned by media); one rating fails."""

from __future__ import annotations

from typing import Annotated

import strawberry

from tests.benchmarks.router.subgraphs.serve import asgi_app, run


def rating_of(item_id: str) -> float:
    """The rating of a book or movie id (movie-4 has none and fails)."""
    number = int(item_id.rsplit("-", 1)[1])
    if item_id == "movie-4":
        # A deterministic failure inside an entity fetch, for error-path tests.
        raise LookupError(f"rating service has no score for {item_id}")
    return round(2.5 + (number * 7 % 5) * 0.5, 1)


@strawberry.federation.type(keys=["id"])
class Book:
    id: strawberry.ID
    title: str | None = strawberry.federation.field(external=True, default=None, graphql_type=str)

    @strawberry.field
    def rating(self) -> float | None:
        """The book's average rating."""
        return rating_of(self.id)

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
        return rating_of(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Movie:
        """Every movie id has a rating."""
        return Movie(id=id)


@strawberry.federation.type(shareable=True)
class Region:
    country: str
    code: str


@strawberry.federation.type(keys=["region { country code }"])
class Store:
    region: Region
    # Required from legacy, whose deliveryFee itself requires kind from stores.
    delivery_fee: int | None = strawberry.federation.field(external=True, default=None)

    @strawberry.field
    def rating(self) -> float:
        """A store's rating, keyed by its nested compound key."""
        return round(3.0 + self.number % 3 * 0.5, 1)

    @strawberry.federation.field(requires=["deliveryFee"])
    def value_score(self) -> float | None:
        """Rating per delivery cost: a requires that depends on another requires."""
        if self.delivery_fee is None:
            return None
        return round(self.rating() * 10 / (1 + self.delivery_fee), 2)

    @strawberry.field
    def nearest(self) -> Store | None:
        """A reference to the next store in the same country, or null for the last one."""
        following = self.number + 3
        if following > 6:
            return None
        country = self.region.country
        return Store(region=Region(country=country, code=f"{country}-{following}"))

    @property
    def number(self) -> int:
        """The store number in the region code."""
        return int(self.region.code.rsplit("-", 1)[1])

    @classmethod
    def resolve_reference(cls, region: dict[str, str], deliveryFee: int | None = None) -> Store:
        """Any region is a store here."""
        region_value = Region(country=region["country"], code=region["code"])
        return Store(region=region_value, delivery_fee=deliveryFee)


RatedItem = Annotated[Book | Movie, strawberry.union("RatedItem")]


@strawberry.type
class Query:
    @strawberry.field
    def rating_scale(self) -> int:
        """The highest possible rating."""
        return 5

    @strawberry.federation.field(provides=["title"])
    def top_rated_books(self) -> list[Book]:
        """The best books, with the titles this subgraph keeps (no media fetch needed)."""
        return [Book(id=strawberry.ID(f"book-{i}"), title=f"Book {i}") for i in (2, 4)]

    @strawberry.federation.field(provides=["... on Book { title }"])
    def top_rated_items(self) -> list[RatedItem]:
        """Books and movies; book titles are provided through the union."""
        return [
            Book(id=strawberry.ID("book-5"), title="Book 5"),
            Movie(id=strawberry.ID("movie-2")),
            Book(id=strawberry.ID("book-1"), title="Book 1"),
        ]


schema = strawberry.federation.Schema(query=Query, types=[Book, Movie, Store])
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
