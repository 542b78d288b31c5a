"""products: the catalog (`Product @key(upc)`) and `topProducts`."""

from __future__ import annotations

import strawberry

from tests.benchmarks.router.subgraphs import data
from tests.benchmarks.router.subgraphs.serve import asgi_app, run


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str | None
    price: int | None
    weight: int | None

    @classmethod
    def resolve_reference(cls, upc: str) -> Product | None:
        """Looks a product up by upc; unknown upcs resolve to null."""
        return product_by_upc(upc)


def product_by_upc(upc: str) -> Product | None:
    """The Product for a upc, or None when there is no such product."""
    row = data.PRODUCTS.get(upc)
    if row is None:
        return None
    return Product(upc=row.upc, name=row.name, price=row.price, weight=row.weight)


@strawberry.type
class Query:
    @strawberry.field
    def top_products(self, first: int = 5) -> list[Product | None]:
        """The first products of the catalog."""
        return [product_by_upc(upc) for upc in list(data.PRODUCTS)[:first]]

    @strawberry.field
    def product(self, upc: str) -> Product | None:
        """A product by upc, or null."""
        return product_by_upc(upc)


schema = strawberry.federation.Schema(query=Query)
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
