"""Collections (folders of chats) of one user in Directus, and which chats they hold.

Reads and writes filter by owner, so another user's collection answers NOT_FOUND like a
missing one. A chat joins a collection only when the caller owns it: the chats collection
is shared with core in the same Directus, so its `owner` column is checked directly, and a
chat of someone else is NOT_FOUND too (its existence is never revealed).
"""

from __future__ import annotations

from typing import Any

from shared.directus.client import DirectusClient, Item
from shared.errors import ErrorCode, MatewayError
from subgraphs.mates.validation import CollectionFields, parse_uuid

COLLECTIONS = "collections"
JUNCTION = "collections_chats"
CHATS = "chats"
FIELDS = ["id", "name", "date_created"]


def collection_not_found() -> MatewayError:
    """The one answer for a collection that is missing or someone else's."""
    return MatewayError(ErrorCode.NOT_FOUND, "No such collection")


def chat_not_found() -> MatewayError:
    """The one answer for a chat that is missing, someone else's, or not in the collection."""
    return MatewayError(ErrorCode.NOT_FOUND, "No such chat")


class CollectionStore:
    """Reads and writes the collections of `owner_id`."""

    def __init__(self, client: DirectusClient, owner_id: str, limit: int) -> None:
        self.client = client
        self.owner_id = owner_id
        self.limit = limit

    def _owned(self, id_filter: dict[str, Any]) -> dict[str, Any]:
        return {"_and": [id_filter, {"owner": {"_eq": self.owner_id}}]}

    async def get(self, collection_id: str) -> Item:
        """The caller's collection; NOT_FOUND when missing or another user's."""
        uid = parse_uuid(collection_id)
        if uid is None:
            raise collection_not_found()
        rows = await self.client.read_items(
            COLLECTIONS, filter=self._owned({"id": {"_eq": uid}}), fields=FIELDS, limit=1
        )
        if not rows:
            raise collection_not_found()
        return rows[0]

    async def owned(self) -> list[Item]:
        """The caller's collections, oldest first."""
        return await self.client.read_items(
            COLLECTIONS,
            filter={"owner": {"_eq": self.owner_id}},
            fields=FIELDS,
            sort=["date_created", "id"],
            limit=self.limit,
        )

    async def create(self, name: str) -> Item:
        """Validate the name and store a new, empty collection."""
        fields = CollectionFields.model_validate({"name": name})
        owned = await self.client.read_items(
            COLLECTIONS, filter={"owner": {"_eq": self.owner_id}}, fields=["id"], limit=self.limit
        )
        if len(owned) >= self.limit:
            raise MatewayError(
                ErrorCode.CONFLICT,
                f"At most {self.limit} collections per user",
                reason="COLLECTION_LIMIT",
            )
        created = await self.client.create_item(
            COLLECTIONS, {"name": fields.name, "owner": self.owner_id}
        )
        return await self.get(str(created["id"]))

    async def rename(self, collection_id: str, name: str) -> Item:
        """Validate the new name and apply it to the caller's collection."""
        fields = CollectionFields.model_validate({"name": name})
        current = await self.get(collection_id)
        await self.client.update_item(COLLECTIONS, current["id"], {"name": fields.name})
        return await self.get(str(current["id"]))

    async def delete(self, collection_id: str) -> None:
        """Delete the caller's collection; its chats stay, only the links go."""
        current = await self.get(collection_id)
        # The links go first and explicitly, whatever the database's cascade does.
        for link in await self._links(str(current["id"])):
            await self.client.delete_item(JUNCTION, link["id"])
        await self.client.delete_item(COLLECTIONS, current["id"])

    async def _links(self, collection_id: str, chat_id: str | None = None) -> list[Item]:
        conditions: list[dict[str, Any]] = [{"collections_id": {"_eq": collection_id}}]
        if chat_id is not None:
            conditions.append({"chats_id": {"_eq": chat_id}})
        return await self.client.read_items(
            JUNCTION, filter={"_and": conditions}, fields=["id", "chats_id"], limit=-1
        )

    async def _owned_chat(self, chat_id: str) -> str:
        """The canonical id of the caller's chat; NOT_FOUND for any other."""
        uid = parse_uuid(chat_id)
        if uid is None:
            raise chat_not_found()
        rows = await self.client.read_items(
            CHATS, filter=self._owned({"id": {"_eq": uid}}), fields=["id"], limit=1
        )
        if not rows:
            raise chat_not_found()
        return uid

    async def add_chat(self, collection_id: str, chat_id: str) -> Item:
        """Put the caller's chat into the caller's collection (already there: no change)."""
        collection = await self.get(collection_id)
        chat = await self._owned_chat(chat_id)
        if not await self._links(str(collection["id"]), chat):
            await self.client.create_item(
                JUNCTION, {"collections_id": collection["id"], "chats_id": chat}
            )
        return collection

    async def remove_chat(self, collection_id: str, chat_id: str) -> Item:
        """Take a chat out of the caller's collection; NOT_FOUND when it is not in it."""
        collection = await self.get(collection_id)
        uid = parse_uuid(chat_id)
        links = await self._links(str(collection["id"]), uid) if uid else []
        if not links:
            raise chat_not_found()
        for link in links:
            await self.client.delete_item(JUNCTION, link["id"])
        return collection


async def chat_ids_by_collection(
    client: DirectusClient, collection_ids: list[str]
) -> list[list[str]]:
    """For each collection id, the ids of its chats in the order they were added."""
    rows = await client.read_items(
        JUNCTION,
        filter={"collections_id": {"_in": list(dict.fromkeys(collection_ids))}},
        fields=["collections_id", "chats_id"],
        sort=["id"],
        limit=-1,
    )
    by_collection: dict[str, list[str]] = {}
    for row in rows:
        if row.get("chats_id"):
            by_collection.setdefault(str(row["collections_id"]), []).append(str(row["chats_id"]))
    return [by_collection.get(str(cid), []) for cid in collection_ids]
