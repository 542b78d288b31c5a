"""media: the `Media` interface (Book, Movie), the `SearchResult` union, books written by users."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from tests.benchmarks.router.subgraphs.serve import asgi_app, run


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class User:
    id: strawberry.ID


@strawberry.federation.interface(keys=["id"])
class Media:
    id: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media | None:
        """Any media item by id (the gateway asks here for the concrete type)."""
        return CATALOG.get(id)


@strawberry.federation.type(keys=["id"])
class Book(Media):
    # Shareable: ratings provides it for its top-rated books.
    title: str = strawberry.federation.field(shareable=True)
    pages: int
    author_id: strawberry.Private[str]

    @strawberry.field
    def author(self) -> User:
        """The user who wrote the book (resolved by accounts)."""
        return User(id=strawberry.ID(self.author_id))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book | None:
        """A book by id, or null."""
        item = CATALOG.get(id)
        return item if isinstance(item, Book) else None


@strawberry.federation.type(keys=["id"])
class Movie(Media):
    minutes: int

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Movie | None:
        """A movie by id, or null."""
        item = CATALOG.get(id)
        return item if isinstance(item, Movie) else None


SearchResult = Annotated[Book | Movie, strawberry.union("SearchResult")]


def _catalog() -> dict[str, Book | Movie]:
    items: list[Book | Movie] = []
    for i in range(1, 7):
        items.append(
            Book(
                id=strawberry.ID(f"book-{i}"),
                title=f"Book {i}",
                pages=100 + i * 17,
                author_id=f"user-{i * 3}",
            )
        )
        items.append(Movie(id=strawberry.ID(f"movie-{i}"), title=f"Movie {i}", minutes=80 + i * 9))
    return {item.id: item for item in items}


CATALOG = _catalog()


@strawberry.type
class Query:
    @strawberry.field
    def media(self) -> list[Media]:
        """Every book and movie, books and movies interleaved."""
        return list(CATALOG.values())

    @strawberry.field
    def search(self, term: str = "") -> list[SearchResult]:
        """Items whose title contains ``term`` (case-insensitive)."""
        return [item for item in CATALOG.values() if term.lower() in item.title.lower()]

    @strawberry.field
    def book(self, id: strawberry.ID) -> Book | None:
        """A book by id, or null."""
        item = CATALOG.get(id)
        return item if isinstance(item, Book) else None


schema = strawberry.federation.Schema(query=Query, types=[Book, Movie, User])
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
