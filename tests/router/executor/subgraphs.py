"""Small Strawberry federation subgraphs for executor tests, with request recording.

products (root fields, Product @key(upc)), reviews (Product.reviews, Review),
accounts (User @key(id), me), inventory (Product @key(sku) -> inStock).
Unknown entities resolve to null; Product 3's reviews fail with code FORBIDDEN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError
from strawberry.asgi import GraphQL

from router.transports import HttpxTransport

PRODUCTS = {
    "1": ("Table", 899, "T-1"),
    "2": ("Couch", 1299, None),
    "3": ("Chair", 54, "C-3"),
    "4": ("Lamp", 20, "L-4"),
}
REVIEWS = {
    "1": [("r1", "Great", "u1"), ("r2", "Meh", "u2")],
    "2": [("r3", "Soft", "u1"), ("r4", "Ghost", "u9")],
}
USERS = {"u1": ("Ada Lovelace", "ada"), "u2": ("Alan Turing", "alan")}
STOCK = {"T-1": True, "C-3": False, "L-4": True}


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID
    name: str
    price: int | None
    sku: str | None = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> Product | None:
        return product(upc)


def product(upc: str) -> Product | None:
    row = PRODUCTS.get(upc)
    return (
        None
        if row is None
        else Product(upc=strawberry.ID(upc), name=row[0], price=row[1], sku=row[2])
    )


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def top_products(self, first: int = 5) -> list[Product]:
        return [p for p in map(product, list(PRODUCTS)[:first]) if p is not None]

    @strawberry.field
    def products(self, upcs: list[strawberry.ID]) -> list[Product | None]:
        return [product(upc) for upc in upcs]

    @strawberry.field(name="product")
    def product_by_upc(self, upc: strawberry.ID) -> Product | None:
        return product(upc)


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        return User(id=id)


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    author: User


@strawberry.federation.type(keys=["upc"], name="Product")
class ReviewedProduct:
    upc: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review] | None:
        if self.upc == "3":
            raise GraphQLError("Reviews are hidden", extensions={"code": "FORBIDDEN"})
        rows = REVIEWS.get(self.upc, [])
        return [
            Review(id=strawberry.ID(i), body=b, author=User(id=strawberry.ID(a)))
            for i, b, a in rows
        ]

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> ReviewedProduct | None:
        # Product 4 is unknown here: a missing entity.
        return ReviewedProduct(upc=upc) if upc in PRODUCTS and upc != "4" else None


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def review_count(self) -> int:
        return sum(len(rows) for rows in REVIEWS.values())


@strawberry.federation.type(keys=["id"], name="User")
class Account:
    id: strawberry.ID
    name: str
    username: str | None

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Account | None:
        return account(id)


def account(user_id: str) -> Account | None:
    row = USERS.get(user_id)
    return None if row is None else Account(id=strawberry.ID(user_id), name=row[0], username=row[1])


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def me(self) -> Account | None:
        return account("u1")


@strawberry.federation.type(keys=["sku"], name="Product")
class StockedProduct:
    sku: str = strawberry.federation.field(shareable=True)

    @strawberry.field
    def in_stock(self) -> bool | None:
        return STOCK.get(self.sku)

    @classmethod
    def resolve_reference(cls, sku: str) -> StockedProduct:
        return StockedProduct(sku=sku)


@strawberry.type
class InventoryQuery:
    @strawberry.field
    def warehouse_count(self) -> int:
        return 1


class _QuietSchema(strawberry.federation.Schema):
    """Errors here are expected: they go to the router, not to the test log."""

    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        return None


def _schema(query: type, types: list[type]) -> strawberry.federation.Schema:
    return _QuietSchema(query=query, types=types)


SCHEMAS = {
    "products": _schema(ProductsQuery, [Product]),
    "reviews": _schema(ReviewsQuery, [ReviewedProduct, Review, User]),
    "accounts": _schema(AccountsQuery, [Account]),
    "inventory": _schema(InventoryQuery, [StockedProduct]),
}


@dataclass
class RecordingApp:
    """An ASGI wrapper that records every GraphQL request body the subgraph received."""

    app: Any
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        self.requests.append(orjson.loads(body))
        self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def representations(self) -> list[list[dict[str, Any]]]:
        """The ``representations`` variable of each request, in order."""
        return [(r.get("variables") or {}).get("representations", []) for r in self.requests]


def recording_transports() -> tuple[dict[str, HttpxTransport], dict[str, RecordingApp]]:
    """In-process transports for the four subgraphs, and their recorders."""
    apps = {name: RecordingApp(GraphQL(schema)) for name, schema in SCHEMAS.items()}
    transports = {
        name: HttpxTransport.in_process(app, service_name=name) for name, app in apps.items()
    }
    return transports, apps


API_SDL = """
type Query {
  topProducts(first: Int! = 5): [Product!]!
  products(upcs: [ID!]!): [Product]!
  product(upc: ID!): Product
  me: User
  reviewCount: Int!
  warehouseCount: Int!
}
type Product { upc: ID! name: String! price: Int sku: String reviews: [Review!] inStock: Boolean }
type Review { id: ID! body: String! author: User! }
type User { id: ID! name: String! username: String }
"""
