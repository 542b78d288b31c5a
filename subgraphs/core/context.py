"""Request-scoped things of the core app, built in one place: the service and dataloaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from shared.directus.loaders import DirectusLoaders
from subgraphs.core.service import CoreService, current_service

CONTEXT_KEY = "core"
# Only what the entity types expose is read, so a loader never pulls personal data.
LOADER_FIELDS = {"directus_users": ["id"], "chats": ["id"]}


@dataclass
class RequestScope:
    """The service and this request's dataloaders (made on first use)."""

    service: CoreService
    _loaders: DirectusLoaders | None = field(default=None, init=False)

    @property
    def loaders(self) -> DirectusLoaders:
        """One dataloader per collection, alive for this request only."""
        if self._loaders is None:
            self._loaders = DirectusLoaders(self.service.directus(), LOADER_FIELDS)
        return self._loaders


def request_scope(context: Any) -> RequestScope:
    """The scope of the request behind a Strawberry context (a dict for the ASGI app)."""
    if not isinstance(context, dict):
        raise TypeError("the core app expects Strawberry's default dict context")
    scope = cast(RequestScope | None, context.get(CONTEXT_KEY))
    if scope is None:
        scope = context[CONTEXT_KEY] = RequestScope(current_service())
    return scope
