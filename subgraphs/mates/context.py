"""Request-scoped things of the mates app, built in one place: caller, stores, dataloaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from aiodataloader import DataLoader

from shared.directus.client import Item
from shared.errors import ErrorCode, MatewayError
from shared.identity import Identity
from subgraphs.mates.collection_store import CollectionStore, chat_ids_by_collection
from subgraphs.mates.mate_store import MateStore
from subgraphs.mates.runtime import MatesRuntime, current_runtime

CONTEXT_KEY = "mates"


def caller_identity(context: Any) -> Identity:
    """The verified caller the app kit put in the context, or the anonymous identity."""
    identity = context.get("identity") if isinstance(context, dict) else None
    return identity if isinstance(identity, Identity) else Identity.anonymous()


@dataclass
class RequestScope:
    """The runtime, the caller, and this request's dataloaders (made on first use)."""

    runtime: MatesRuntime
    identity: Identity
    _chat_ids: DataLoader[str, list[str]] | None = field(default=None, init=False)
    _mate_rows: DataLoader[str, Item | None] | None = field(default=None, init=False)

    @property
    def owner_id(self) -> str:
        """The user whose mates and collections these are (an API key acts for its owner)."""
        if not self.identity.is_authenticated or not self.identity.user_id:
            raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
        return self.identity.user_id

    def mates(self) -> MateStore:
        """The caller's mates."""
        settings = self.runtime.settings
        return MateStore(
            self.runtime.directus(),
            self.owner_id,
            self.runtime.tool_apps(),
            settings.max_mates_per_user,
        )

    def collections(self) -> CollectionStore:
        """The caller's collections."""
        return CollectionStore(
            self.runtime.directus(), self.owner_id, self.runtime.settings.max_collections_per_user
        )

    @property
    def chat_ids(self) -> DataLoader[str, list[str]]:
        """Chat ids per collection id, batched across the collections of one response."""
        if self._chat_ids is None:
            client = self.runtime.directus()

            async def batch(keys: list[str]) -> list[list[str]]:
                return await chat_ids_by_collection(client, keys)

            self._chat_ids = DataLoader(batch, get_cache_key=str)
        return self._chat_ids

    @property
    def mate_rows(self) -> DataLoader[str, Item | None]:
        """The caller's stored mates by id (others' load as None), batched per response."""
        if self._mate_rows is None:
            store = self.mates()

            async def batch(keys: list[str]) -> list[Item | None]:
                found = await store.find(keys)
                return [found.get(key) for key in keys]

            self._mate_rows = DataLoader(batch, get_cache_key=str)
        return self._mate_rows


def request_scope(context: Any) -> RequestScope:
    """The scope of the request behind a Strawberry context (a dict for the ASGI app)."""
    if not isinstance(context, dict):
        raise TypeError("the mates app expects Strawberry's default dict context")
    scope = cast(RequestScope | None, context.get(CONTEXT_KEY))
    if scope is None:
        scope = context[CONTEXT_KEY] = RequestScope(current_runtime(), caller_identity(context))
    return scope
