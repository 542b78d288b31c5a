"""reviews: `Review`, `User.reviews` and `Product.reviews`; provides the author's username."""

from __future__ import annotations

import strawberry

from tests.benchmarks.router.subgraphs import data
from tests.benchmarks.router.subgraphs.serve import asgi_app, run


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    username: str | None = strawberry.federation.field(external=True)

    @strawberry.field
    def reviews(self) -> list[Review]:
        """The reviews this user wrote."""
        return [to_review(row) for row in data.reviews_by_author(self.id)]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        """Any user id is valid here: a user without reviews has an empty list."""
        return User(id=id, username=None)


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str

    @strawberry.field
    def reviews(self) -> list[Review]:
        """The reviews of this product."""
        return [to_review(row) for row in data.reviews_of_product(self.upc)]

    @classmethod
    def resolve_reference(cls, upc: str) -> Product:
        """Any upc is valid here: a product without reviews has an empty list."""
        return Product(upc=upc)


@strawberry.federation.type(keys=["id"])
class Review:
    id: strawberry.ID
    body: str
    author_id: strawberry.Private[str]
    product_upc: strawberry.Private[str]

    @strawberry.federation.field(provides=["username"])
    def author(self) -> User:
        """The author, with the username this subgraph already knows."""
        row = data.USERS.get(self.author_id)
        return User(id=strawberry.ID(self.author_id), username=row.username if row else None)

    @strawberry.field
    def product(self) -> Product:
        """A reference to the reviewed product (it may no longer exist in products)."""
        return Product(upc=self.product_upc)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Review | None:
        """Looks a review up by id; unknown ids resolve to null."""
        row = data.REVIEWS.get(id)
        return to_review(row) if row else None


def to_review(row: data.ReviewRow) -> Review:
    """The Review object for a data row."""
    return Review(
        id=strawberry.ID(row.id),
        body=row.body,
        author_id=row.author_id,
        product_upc=row.product_upc,
    )


@strawberry.type
class Query:
    @strawberry.field
    def latest_reviews(self, first: int = 5) -> list[Review]:
        """The newest reviews first (the dangling review is the newest)."""
        rows = list(data.REVIEWS.values())[::-1][:first]
        return [to_review(row) for row in rows]


schema = strawberry.federation.Schema(query=Query, types=[User, Product])
app = asgi_app(schema)

if __name__ == "__main__":
    run(app)
