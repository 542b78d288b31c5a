"""inventory: `Product.inStock` and `Product.shippingEstimate @requires(fields: "price weight")`."""

from __future__ import annotations

import strawberry

from tests.benchmarks.router.subgraphs import data
from tests.benchmarks.router.subgraphs.serve import asgi_app, run


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    price: int | None = strawberry.federation.field(external=True)
    weight: int | None = strawberry.federation.field(external=True)

    @strawberry.field
    def in_stock(self) -> bool | None:
        """Whether the warehouse holds this product (null for unknown products)."""
        row = data.INVENTORY.get(self.upc)
        return row.in_stock if row else None

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int | None:
        """Free above 1000, else half the weight; needs price and weight from products."""
        if self.price is None or self.weight is None:
            return None
        if self.price > 1000:
            return 0
        return self.weight // 2

    @classmethod
    def resolve_reference(
        cls, upc: str, price: int | None = None, weight: int | None = None
    ) -> Product:
        """Builds the product from its key and, when sent, the required price and weight."""
        return Product(upc=upc, price=price, weight=weight)


@strawberry.type
class Query:
    @strawberry.field
    def warehouse_name(self) -> str:
        """A root field so the subgraph has a Query type of its own."""
        return "Main warehouse"


schema = strawberry.federation.Schema(query=Query, types=[Product])
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
