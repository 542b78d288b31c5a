"""legacy: the old store service, keyed by an inaccessible code; its phone and hours are
overridden by stores; deliveryFee requires the store kind."""

from __future__ import annotations

from enum import Enum

import strawberry

from tests.benchmarks.router.subgraphs.serve import asgi_app, run


@strawberry.federation.enum
class StoreKind(Enum):
    GROCERY = "GROCERY"
    PHARMACY = "PHARMACY"


@strawberry.federation.enum
class Currency(Enum):
    EUR = "EUR"
    GBP = "GBP"


@strawberry.federation.type(keys=["legacyCode"])
class Store:
    legacy_code: str = strawberry.federation.field(inaccessible=True)
    # Non-null like the field it mirrors in stores; None only until a representation brings it.
    kind: StoreKind | None = strawberry.federation.field(
        external=True, default=None, graphql_type=StoreKind
    )

    @strawberry.field
    def phone(self) -> str | None:
        """Overridden by stores: a gateway must never ask legacy for it."""
        return f"{self.legacy_code} (legacy)"

    @strawberry.field
    def hours(self) -> str | None:
        """Overridden with label percent(0): still served from here."""
        return f"9-17 (legacy {self.legacy_code})"

    @strawberry.field
    def email(self) -> str | None:
        """Overridden with label percent(100): always served by stores."""
        return f"{self.legacy_code}@legacy.example"

    @strawberry.field
    def open_since(self) -> int:
        """The year the store opened."""
        return 1990 + int(self.legacy_code[1:])

    @strawberry.field
    def fee_currency(self) -> Currency:
        """The currency of the delivery fee."""
        return Currency.GBP if int(self.legacy_code[1:]) % 4 == 0 else Currency.EUR

    @strawberry.federation.field(requires=["kind"])
    def delivery_fee(self) -> int | None:
        """Pharmacies deliver for free; needs the kind from stores."""
        if self.kind is None:
            return None
        return 0 if self.kind == StoreKind.PHARMACY else 5

    @classmethod
    def resolve_reference(cls, legacyCode: str, kind: str | None = None) -> Store:
        """Any code is a store here; the kind comes with the representation when required."""
        return Store(legacy_code=legacyCode, kind=StoreKind(kind) if kind else None)


@strawberry.type
class Query:
    @strawberry.federation.field(shareable=True)
    def store_count(self) -> int:
        """How many stores exist (also served by stores)."""
        return 6


schema = strawberry.federation.Schema(query=Query, types=[Store])
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
