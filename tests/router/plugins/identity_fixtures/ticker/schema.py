"""`callerTicks` streams `<n> <sub>` for its caller until it is closed; PROBE counts open ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from shared.apps.directives import public
from shared.errors import MatewaySchema
from shared.identity import Identity

MAX_TICKS = 2_000  # a stream nobody ends still stops (bounded, as every test loop is)


class OpenStreams:
    """How many `callerTicks` generators are running (the subgraph end of a subscription)."""

    open = 0


PROBE = OpenStreams()


@strawberry.type
class Query:
    @strawberry.field(directives=[public()])
    def ticker_ready(self) -> bool:
        return True


@strawberry.type
class Subscription:
    @strawberry.subscription(directives=[public()])
    async def caller_ticks(
        self, info: strawberry.Info, interval: float = 0.05
    ) -> AsyncGenerator[str, None]:
        identity = info.context["identity"]
        assert isinstance(identity, Identity)
        PROBE.open += 1
        try:
            for tick in range(MAX_TICKS):
                yield f"{tick} {identity.user_id}"
                await asyncio.sleep(interval)
        finally:
            PROBE.open -= 1


schema = MatewaySchema(query=Query, subscription=Subscription)
