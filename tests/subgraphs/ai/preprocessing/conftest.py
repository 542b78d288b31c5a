"""Preprocessing tests run offline: HF_HUB_OFFLINE=1 and only loopback connections allowed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from subgraphs.ai.preprocessing import Preprocessor

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class NetworkAttempt(AssertionError):
    """A test tried to reach beyond the loopback interface."""


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuses and records any connection to a non-loopback address during a test."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOOPBACK:
            attempts.append(address)
            raise NetworkAttempt(f"network access attempted: {address!r}")
        return real_connect(self, address)

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield attempts
    assert not attempts, f"tests tried to reach the network: {attempts}"


@pytest.fixture(scope="session")
def preprocessor() -> Preprocessor:
    """One loaded preprocessor with the packaged config and the built-in mates."""
    loaded = Preprocessor()
    loaded.warm_up()
    return loaded
