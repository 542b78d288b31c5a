"""Identical query fetches in flight at once share one subgraph call; mutations never do."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from router.executor.execute import execute_plan
from router.executor.inflight import InflightFetches
from router.planner.nodes import FetchNode, QueryPlan
from router.transports import SubgraphError


class _GatedTransport:
    """Holds every call until released, and counts them."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, Any, Any]] = []
        self.release = asyncio.Event()
        self.fail = fail

    async def execute(
        self, query: str, variables: Any = None, operation_name: Any = None, headers: Any = None
    ) -> Any:
        self.calls.append((query, variables, headers))
        await self.release.wait()
        if self.fail:
            raise SubgraphError("accounts", "SUBGRAPH_UNAVAILABLE", "refused", "unreachable")
        return {"data": {"me": {"name": "Ada", "tags": ["a"]}}}

    async def aclose(self) -> None:
        return None


async def _run_together(plans: list[QueryPlan], transport: _GatedTransport, **kwargs: Any) -> Any:
    inflight = InflightFetches()
    tasks = [
        asyncio.ensure_future(
            execute_plan(plan, {}, {"accounts": transport}, inflight=inflight, **kwargs)
        )
        for plan in plans
    ]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    transport.release.set()
    results = await asyncio.gather(*tasks)
    assert len(inflight) == 0
    return results


QUERY_PLAN = QueryPlan(FetchNode("accounts", "{me{name tags}}"))


async def test_identical_queries_in_flight_make_one_call() -> None:
    transport = _GatedTransport()
    results = await _run_together([QUERY_PLAN] * 3, transport)
    assert len(transport.calls) == 1
    assert [data for data, _ in results] == [{"me": {"name": "Ada", "tags": ["a"]}}] * 3
    # Each request owns its data: the executor merges into it in place.
    results[0][0]["me"]["tags"].append("changed")
    assert results[1][0]["me"]["tags"] == ["a"]
    assert results[1][0]["me"] is not results[2][0]["me"]


async def test_mutations_are_never_merged() -> None:
    transport = _GatedTransport()
    mutation = QueryPlan(
        FetchNode("accounts", "mutation{me{name tags}}", operation_kind="mutation"), "mutation"
    )
    await _run_together([mutation, mutation], transport)
    assert len(transport.calls) == 2


async def test_different_headers_are_different_fetches() -> None:
    transport = _GatedTransport()
    inflight = InflightFetches()
    tasks = [
        asyncio.ensure_future(
            execute_plan(
                QUERY_PLAN, {}, {"accounts": transport}, inflight=inflight, headers={"x-user": user}
            )
        )
        for user in ("u1", "u2", "u1")
    ]
    await asyncio.sleep(0)
    transport.release.set()
    await asyncio.gather(*tasks)
    assert sorted(headers["x-user"] for _, _, headers in transport.calls) == ["u1", "u2"]


async def test_a_failed_call_fails_every_follower() -> None:
    transport = _GatedTransport(fail=True)
    results = await _run_together([QUERY_PLAN] * 2, transport)
    assert len(transport.calls) == 1
    for data, errors in results:
        assert data == {}
        assert [error["extensions"]["code"] for error in errors] == ["SUBGRAPH_UNAVAILABLE"]


async def test_followers_call_themselves_when_the_leader_is_cancelled() -> None:
    inflight = InflightFetches()
    release = asyncio.Event()
    calls = 0

    async def call() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        await release.wait()
        return {"data": {"n": calls}}

    leader = asyncio.ensure_future(inflight.fetch(b"k", call))
    await asyncio.sleep(0)
    follower = asyncio.ensure_future(inflight.fetch(b"k", call))
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    release.set()
    assert await follower == {"data": {"n": 2}}
    with pytest.raises(asyncio.CancelledError):
        await leader
