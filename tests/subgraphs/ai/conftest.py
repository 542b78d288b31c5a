"""Fixtures of the ai tests: a real Directus (platform schema) and Valkey."""

from __future__ import annotations

from tests.shared.conftest import valkey
from tests.subgraphs.core.chats_support import chats
from tests.support.directus import directus_template, platform_directus, start_empty_directus

__all__ = ["chats", "directus_template", "platform_directus", "start_empty_directus", "valkey"]
