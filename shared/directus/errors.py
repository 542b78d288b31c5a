"""Errors of the Directus runtime, backup and restore."""

from __future__ import annotations


class DirectusError(RuntimeError):
    """Directus could not be installed, started, reached or changed; the message says why."""


class DirectusNotReady(DirectusError):
    """Directus did not answer `/server/ping` in time or exited while starting."""
