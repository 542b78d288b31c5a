"""Per-request dataloaders over Directus: id lookups batched into one `_in` filter request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiodataloader import DataLoader

from shared.directus.client import DirectusClient, Item

DEFAULT_BATCH_SIZE = 100  # ids per `_in` filter: keeps the URL far below servers' limits


def _with_id(fields: Sequence[str] | None) -> list[str] | None:
    """The requested fields plus `id`, which the loader needs to match rows to keys."""
    if not fields:
        return None
    return list(fields) if "id" in fields or "*" in fields else ["id", *fields]


def collection_loader(
    client: DirectusClient,
    collection: str,
    *,
    fields: Sequence[str] | None = None,
    max_batch_size: int = DEFAULT_BATCH_SIZE,
) -> DataLoader[str, Item | None]:
    """A DataLoader batching id lookups into one `filter[id][_in]` request per batch.

    Create one per request: it caches rows for its lifetime, so a long-lived one would
    serve stale rows and let one caller see another's reads. Unknown ids load as None.
    """

    async def batch(keys: list[str]) -> list[Item | None]:
        wanted = list(dict.fromkeys(str(key) for key in keys))
        rows = await client.read_items(
            collection,
            filter={"id": {"_in": wanted}},
            fields=_with_id(fields),
            limit=len(wanted),
        )
        by_id = {str(row["id"]): row for row in rows}
        return [by_id.get(str(key)) for key in keys]

    return DataLoader(batch, max_batch_size=max_batch_size, get_cache_key=str)


class DirectusLoaders:
    """The dataloaders of one request, one per collection, made on first use."""

    def __init__(
        self, client: DirectusClient, fields: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self._client = client
        self._fields = fields or {}
        self._loaders: dict[str, DataLoader[str, Item | None]] = {}

    def __getitem__(self, collection: str) -> DataLoader[str, Item | None]:
        """The loader of `collection` (reading the fields configured for it, else all)."""
        loader = self._loaders.get(collection)
        if loader is None:
            loader = collection_loader(
                self._client, collection, fields=self._fields.get(collection)
            )
            self._loaders[collection] = loader
        return loader
