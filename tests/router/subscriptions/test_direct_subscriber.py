"""In-process kit apps' subscriptions run on their schema: the same payloads as over the
app's WebSocket, and the app's internal-token check still applies."""

from __future__ import annotations

from typing import Any

import pytest

from router.subscriptions import upstream
from router.subscriptions.direct import DirectSubscriber
from router.subscriptions.sockets import AsgiConnector
from router.transports import SUBGRAPH_UNAVAILABLE, SubgraphError
from shared.identity import INTERNAL_TOKEN_HEADER
from tests.shared.apps.fixtures.library.app import app as library_app
from tests.shared.apps.fixtures.library.app import bundle as library
from tests.support.identity import internal_headers

SUMMARIZE = (
    "subscription($id: ID!) { librarySummarize(input: {documentId: $id}) { percent summary } }"
)
MISSPELT = "subscription { librarySummarize(input: {documentId: 7, style: LONG}) { percent } }"


async def _over_websocket(query: str, variables: dict[str, Any] | None) -> list[Any]:
    events = upstream.subscribe(
        "library", AsgiConnector(library_app), query, variables, None, internal_headers()
    )
    return [event async for event in events]


async def _direct(
    query: str, variables: dict[str, Any] | None, headers: dict[str, str]
) -> list[Any]:
    events = DirectSubscriber(library).subscribe("library", query, variables, None, headers)
    return [event async for event in events]


async def test_events_are_the_payloads_the_websocket_handler_sends() -> None:
    variables = {"id": "7"}
    direct = await _direct(SUMMARIZE, variables, internal_headers())
    assert direct == await _over_websocket(SUMMARIZE, variables)
    assert [event["data"]["librarySummarize"]["percent"] for event in direct] == [50, 100]


async def test_a_refused_operation_is_one_payload_of_errors_as_on_the_socket() -> None:
    direct = await _direct(MISSPELT, None, internal_headers())
    assert direct == await _over_websocket(MISSPELT, None)
    assert direct[0]["data"] is None and direct[0]["errors"]


@pytest.mark.parametrize("headers", [{}, {INTERNAL_TOKEN_HEADER: "forged"}])
async def test_without_a_valid_internal_token_the_app_is_not_reached(
    headers: dict[str, str],
) -> None:
    with pytest.raises(SubgraphError) as caught:
        await _direct(SUMMARIZE, {"id": "7"}, headers)
    assert caught.value.code == SUBGRAPH_UNAVAILABLE
