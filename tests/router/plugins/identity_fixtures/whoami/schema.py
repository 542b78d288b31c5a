"""`whoami` answers the identity claims the subgraph verified; `callerEvents` streams them once."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import orjson
import strawberry

from shared.apps.directives import public
from shared.errors import MatewaySchema
from shared.identity import Identity


def _claims(info: strawberry.Info) -> str:
    identity = info.context["identity"]
    assert isinstance(identity, Identity)
    return orjson.dumps(identity.to_claims(), option=orjson.OPT_SORT_KEYS).decode()


@strawberry.type
class Query:
    @strawberry.field(directives=[public()])
    def whoami(self, info: strawberry.Info) -> str:
        return _claims(info)


@strawberry.type
class Subscription:
    @strawberry.subscription(directives=[public()])
    async def caller_events(self, info: strawberry.Info) -> AsyncGenerator[str, None]:
        yield _claims(info)


schema = MatewaySchema(query=Query, subscription=Subscription)
