"""Deterministic in-memory data shared by the four demo subgraphs.

Every subgraph derives its rows from the same constants, so ids line up across
subgraphs without any of them calling another.
"""

from __future__ import annotations

from dataclasses import dataclass

USER_COUNT = 60
PRODUCT_COUNT = 40
REVIEWS_PER_USER = 4

# A review whose product no products row has: entity fetches for it return null.
MISSING_PRODUCT_UPC = "upc-missing"
# A user id no accounts row has, authored by no review; `user(id:)` for it is null.
MISSING_USER_ID = "user-missing"


@dataclass(frozen=True)
class UserRow:
    id: str
    name: str
    username: str


@dataclass(frozen=True)
class ProductRow:
    upc: str
    name: str
    price: int
    weight: int


@dataclass(frozen=True)
class ReviewRow:
    id: str
    body: str
    author_id: str
    product_upc: str


@dataclass(frozen=True)
class InventoryRow:
    upc: str
    in_stock: bool


def _users() -> list[UserRow]:
    return [
        UserRow(id=f"user-{i}", name=f"User Number {i}", username=f"@user{i}")
        for i in range(1, USER_COUNT + 1)
    ]


def _products() -> list[ProductRow]:
    return [
        ProductRow(
            upc=f"upc-{i}",
            name=f"Product {i}",
            price=(i * 37) % 1000 + 99,
            weight=(i * 53) % 500 + 10,
        )
        for i in range(1, PRODUCT_COUNT + 1)
    ]


def _reviews() -> list[ReviewRow]:
    rows: list[ReviewRow] = []
    for user in range(1, USER_COUNT + 1):
        for k in range(REVIEWS_PER_USER):
            number = (user - 1) * REVIEWS_PER_USER + k + 1
            product = (user * 7 + k * 11) % PRODUCT_COUNT + 1
            rows.append(
                ReviewRow(
                    id=f"review-{number}",
                    body=f"Review {number} by user {user} of product {product}.",
                    author_id=f"user-{user}",
                    product_upc=f"upc-{product}",
                )
            )
    # One dangling review (its product does not exist), written by the last user.
    rows.append(
        ReviewRow(
            id="review-dangling",
            body="A review of a product that was removed.",
            author_id=f"user-{USER_COUNT}",
            product_upc=MISSING_PRODUCT_UPC,
        )
    )
    return rows


USERS: dict[str, UserRow] = {row.id: row for row in _users()}
PRODUCTS: dict[str, ProductRow] = {row.upc: row for row in _products()}
REVIEWS: dict[str, ReviewRow] = {row.id: row for row in _reviews()}
INVENTORY: dict[str, InventoryRow] = {
    upc: InventoryRow(upc=upc, in_stock=int(upc.removeprefix("upc-")) % 3 != 0) for upc in PRODUCTS
}


def reviews_by_author(author_id: str) -> list[ReviewRow]:
    """The reviews a user wrote, in id order."""
    return _BY_AUTHOR.get(author_id, [])


def reviews_of_product(upc: str) -> list[ReviewRow]:
    """The reviews of a product, in id order."""
    return _BY_PRODUCT.get(upc, [])


def _index(key: str) -> dict[str, list[ReviewRow]]:
    index: dict[str, list[ReviewRow]] = {}
    for row in REVIEWS.values():
        index.setdefault(getattr(row, key), []).append(row)
    return index


_BY_AUTHOR = _index("author_id")
_BY_PRODUCT = _index("product_upc")
