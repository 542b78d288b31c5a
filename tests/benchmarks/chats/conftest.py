"""Fixtures of the chat benchmarks."""

from __future__ import annotations

from tests.support.openbao import openbao

__all__ = ["openbao"]
