"""HTTP error helpers shared by the providers (SSE reading: test_sse.py)."""

from __future__ import annotations

import pytest

from subgraphs.ai.providers.base import ProviderError, ProviderErrorKind
from subgraphs.ai.providers.transport import parse_json_data, parse_retry_after


def test_retry_after_in_seconds_and_as_http_date() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=lambda: 1445412480.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412490.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_non_object_json_chunk_is_malformed() -> None:
    with pytest.raises(ProviderError) as caught:
        parse_json_data("p", "[1, 2]")
    assert caught.value.kind is ProviderErrorKind.MALFORMED and "p sent" in caught.value.message
