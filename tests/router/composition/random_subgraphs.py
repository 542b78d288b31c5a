"""Seeded random subgraph sets (Fed 1 and 2: keys, extensions, @requires, @provides,
@override with labels, interfaces, enums, shareable fields, @requires selecting into value
types) for cross-checking Apollo."""

from __future__ import annotations

import random

from router.composition import SubgraphSchema

IMPORTS = (
    '["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@tag",'
    ' "@inaccessible", "@interfaceObject"]'
)
OWNER_FIELDS = {"name": "String", "age": "Int", "tags": "[String!]", "kind": "Kind"}
NAMES = ("accounts", "reviews", "inventory")
# Nested @requires selections into the value types, whichever of `address`, `city`, `lat`
# is @external: Apollo accepts a selection when each leaf is @external or below one.
NESTED_SELECTIONS = (
    "address { city }",
    "address { city zip }",
    "address { geo { lat } }",
    "address { __typename city }",
    "name address { geo { lat lng } }",
)


def _value_types(fed1: bool, external: set[str]) -> str:
    def mark(field: str) -> str:
        return field + (" @external" if field.split(":")[0] in external else "")

    shareable = "" if fed1 else " @shareable"
    address = " ".join(mark(f) for f in ("city: String", "zip: String", "geo: Geo"))
    geo = " ".join(mark(f) for f in ("lat: Float", "lng: Float"))
    return f"type Address{shareable} {{ {address} }} type Geo{shareable} {{ {geo} }}"


def _owner(r: random.Random, fed1: bool) -> tuple[list[str], list[str]]:
    shareable = [
        f"{k}: {v}" + (" @shareable" if not fed1 and r.random() < 0.5 else "")
        for k, v in OWNER_FIELDS.items()
    ]
    implements = " implements Node" if r.random() < 0.5 else ""
    body = " ".join(shareable) + " address: Address" + ("" if fed1 else " @shareable")
    parts = [
        f'"""A user"""\ntype User{implements} @key(fields: "id") {{ id: ID! {body} }}',
        "enum Kind { ADMIN MEMBER GUEST }",
        _value_types(fed1, set()),
    ]
    queries = ["me: User"]
    if implements:
        parts.append("interface Node { id: ID! }")
        queries.append("node(id: ID!): Node")
    return parts, queries


def _extender(r: random.Random, fed1: bool, version: str, s: int) -> tuple[list[str], list[str]]:
    keyword = "extend type" if fed1 or r.random() < 0.5 else "type"
    fields = ["id: ID! @external" if fed1 else "id: ID!"]
    parts: list[str] = []
    provides = ""
    if r.random() < 0.6:
        fields += ["name: String @external", f'greeting{s}: String @requires(fields: "name")']
        provides = ' @provides(fields: "name")'
    if not fed1 and r.random() < 0.4:
        label = ', label: "percent(25)"' if version >= "2.7" and r.random() < 0.5 else ""
        fields.append(f'age: Int @override(from: "accounts"{label})')
    if fed1 and r.random() < 0.3:
        fields.append("kind: Kind")
        parts.append("enum Kind { ADMIN MEMBER GUEST }")
    fields.append(f"score{s}(min: Int = {s}): Float")
    if r.random() < 0.5:
        selection = r.choice(NESTED_SELECTIONS)
        # Only fields the selection uses: Apollo rejects unused @external fields.
        external = {n for n in ("address", "city", "lat") if r.random() < 0.4 and n in selection}
        if "name" in selection.split() and "name: String @external" not in fields:
            fields.append("name: String @external")
        marks = " @external" if "address" in external else "" if fed1 else " @shareable"
        fields.append(f"address: Address{marks}")
        fields.append(f'where{s}: String @requires(fields: "{selection}")')
        parts.append(_value_types(fed1, external - {"address"}))
    parts.append(f'{keyword} User @key(fields: "id") {{ {" ".join(fields)} }}')
    parts.append(
        f'type Review{s} @key(fields: "rid") {{ rid: ID! body: String author: User{provides} }}'
    )
    queries = [f"reviews{s}: [Review{s}]"]
    if r.random() < 0.5:
        queries.append("me: User" + ("" if fed1 else " @shareable"))
    return parts, queries


def random_subgraphs(seed: int) -> list[SubgraphSchema]:
    """Two or three subgraphs around a `User` entity, all choices drawn from `seed`."""
    r = random.Random(seed)
    fed1 = r.random() < 0.5
    version = r.choice(["2.3", "2.7", "2.11"])
    sdls: list[str] = []
    for s in range(r.randint(2, 3)):
        parts, queries = _owner(r, fed1) if s == 0 else _extender(r, fed1, version, s)
        if not fed1:
            link = "https://specs.apollo.dev/federation/v" + version
            parts.insert(0, f'extend schema @link(url: "{link}", import: {IMPORTS})')
        query_keyword = "extend type Query" if fed1 and s > 0 else "type Query"
        parts.append(f"{query_keyword} {{ {' '.join(queries)} }}")
        sdls.append("\n".join(parts))
    if not fed1 and any("me: User" in sdl for sdl in sdls[1:]):
        sdls[0] = sdls[0].replace("me: User", "me: User @shareable")
    return [SubgraphSchema(n, f"http://{n}", sdl) for n, sdl in zip(NAMES, sdls, strict=False)]
