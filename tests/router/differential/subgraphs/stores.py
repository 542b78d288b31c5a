"""stores: Store with two keys (one nested and compound), overrides, an inaccessible key and a
mutation whose effects show the order in which a request's mutation fields ran."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum

import strawberry
from strawberry.federation.schema_directives import Override

from tests.benchmarks.router.subgraphs.serve import asgi_app, run


@strawberry.federation.type(shareable=True)
class Region:
    country: str
    code: str


@strawberry.federation.enum
class StoreKind(Enum):
    GROCERY = "GROCERY"
    PHARMACY = "PHARMACY"


@strawberry.federation.enum
class Currency(Enum):
    EUR = "EUR"
    USD = "USD"


@strawberry.federation.input
class StoreFilter:
    country: str | None = None
    kind: StoreKind | None = None


@strawberry.federation.type(keys=["id", "region { country code }", "legacyCode"])
class Store:
    id: strawberry.ID
    region: Region
    name: str
    kind: StoreKind
    currency: Currency
    # Legacy's key: hidden from clients, still used by gateways to reach legacy.
    legacy_code: str = strawberry.federation.field(inaccessible=True, shareable=True)
    phone: str | None = strawberry.federation.field(override="legacy")
    hours: str | None = strawberry.federation.field(
        directives=[Override(override_from="legacy", label="percent(0)")]
    )
    email: str | None = strawberry.federation.field(
        directives=[Override(override_from="legacy", label="percent(100)")]
    )

    @classmethod
    def resolve_reference(
        cls,
        id: strawberry.ID | None = None,
        region: dict[str, str] | None = None,
        legacyCode: str | None = None,
    ) -> Store | None:
        """A store by any of its three keys; null when none matches."""
        for store in STORES:
            if store.id == id or store.legacy_code == legacyCode:
                return store
            if region is not None and store.region.code == region.get("code"):
                return store
        return None


def _store(number: int) -> Store:
    country = ("DE", "FR", "US")[number % 3]
    return Store(
        id=strawberry.ID(f"store-{number}"),
        region=Region(country=country, code=f"{country}-{number}"),
        name=f"Store {number}",
        kind=StoreKind.PHARMACY if number % 2 else StoreKind.GROCERY,
        currency=Currency.USD if country == "US" else Currency.EUR,
        legacy_code=f"L{number:03d}",
        phone=f"+49 30 {number:04d} (stores)",
        hours=f"{8 + number % 3}-20 (stores)",
        email=f"store{number}@stores.example",
    )


STORES = [_store(number) for number in range(1, 7)]
# Visits per run id: a run id isolates one request's mutations from every other request.
VISITS: dict[str, list[str]] = {}


@strawberry.type
class Query:
    @strawberry.field
    def stores(self, filter: StoreFilter | None = None) -> list[Store]:
        """Stores matching the filter."""
        matches = STORES
        if filter is not None and filter.country is not None:
            matches = [s for s in matches if s.region.country == filter.country]
        if filter is not None and filter.kind is not None:
            matches = [s for s in matches if s.kind == filter.kind]
        return matches

    @strawberry.federation.field(shareable=True)
    def store_count(self) -> int:
        """How many stores exist (also served by legacy)."""
        return len(STORES)


@strawberry.type
class Visit:
    sequence: list[str]

    @strawberry.field
    def store(self) -> Store | None:
        """The store of the latest visit."""
        return Store.resolve_reference(id=strawberry.ID(self.sequence[-1]))


@strawberry.type
class Mutation:
    @strawberry.mutation
    def record_visit(self, run_id: str, store_id: strawberry.ID) -> Visit:
        """Appends a visit to the run's log and returns the log so far."""
        VISITS.setdefault(run_id, []).append(store_id)
        return Visit(sequence=list(VISITS[run_id]))


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def visit_stream(self, count: int) -> AsyncGenerator[Visit, None]:
        """``count`` events, each with one more store visited (store-1, store-2, ...)."""
        for number in range(1, min(count, len(STORES)) + 1):
            yield Visit(sequence=[f"store-{n}" for n in range(1, number + 1)])


schema = strawberry.federation.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, types=[Store]
)
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
