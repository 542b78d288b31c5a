"""Fixtures: the API schema and in-process transports to the executor test subgraphs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from graphql import GraphQLSchema, build_schema

from router.transports import HttpxTransport
from tests.router.executor.subgraphs import API_SDL, RecordingApp, recording_transports


@pytest.fixture(scope="session")
def api_schema() -> GraphQLSchema:
    return build_schema(API_SDL)


@pytest.fixture
async def subgraphs() -> AsyncIterator[tuple[dict[str, HttpxTransport], dict[str, RecordingApp]]]:
    transports, apps = recording_transports()
    yield transports, apps
    for transport in transports.values():
        await transport.aclose()
