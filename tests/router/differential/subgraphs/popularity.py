"""popularity: adds `popularity` to every Media through @interfaceObject, without knowing
which concrete types implement it."""

from __future__ import annotations

import strawberry

from tests.benchmarks.router.subgraphs.serve import asgi_app, run


def popularity_of(media_id: str) -> int:
    """The popularity score of a media id."""
    return sum(map(ord, media_id)) % 100


@strawberry.federation.interface_object(keys=["id"])
class Media:
    id: strawberry.ID

    @strawberry.field
    def popularity(self) -> int:
        """A score derived from the id."""
        return popularity_of(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        """Any media id has a popularity."""
        return Media(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def trending(self) -> list[Media]:
        """Media ids in trending order (the gateway resolves their concrete types)."""
        return [Media(id=strawberry.ID(item)) for item in ("movie-3", "book-5", "movie-1")]


schema = strawberry.federation.Schema(query=Query, types=[Media])
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
