"""The mates of one user in Directus, and the built-in mates next to them.

Every read and write filters by owner, so another user's mate is indistinguishable from a
mate that does not exist (NOT_FOUND); built-in mates come from YAML and are read-only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from shared.directus.client import DirectusClient, Item
from shared.errors import ErrorCode, MatewayError
from subgraphs.mates.service import MateDefinition, builtin_mates_by_id
from subgraphs.mates.validation import MateFields, MatePatch, parse_uuid

MATES = "mates"
FIELDS = [
    "id",
    "name",
    "description",
    "system_prompt",
    "preferred_model",
    "allowed_apps",
    "avatar_colour",
    "date_created",
]
# Oldest first, the id breaking ties: pages do not shift as mates are added at the end.
ORDER = ["date_created", "id"]


def not_found() -> MatewayError:
    """The one answer for a mate that is missing or someone else's."""
    return MatewayError(ErrorCode.NOT_FOUND, "No such mate")


def read_only() -> MatewayError:
    """Changing a built-in mate."""
    return MatewayError(
        ErrorCode.FORBIDDEN, "Built-in mates are read-only", reason="BUILTIN_READ_ONLY"
    )


@dataclass(frozen=True)
class MateListPage:
    """Built-in definitions and stored rows of one page, and whether more follow."""

    builtins: list[MateDefinition]
    rows: list[Item]
    has_next: bool


class MateStore:
    """Reads and writes the mates of `owner_id`."""

    def __init__(
        self, client: DirectusClient, owner_id: str, tool_apps: Collection[str], limit: int
    ) -> None:
        self.client = client
        self.owner_id = owner_id
        self.tool_apps = frozenset(tool_apps)
        self.limit = limit

    def _mine(self, mate_id: str) -> dict[str, Any]:
        return {"_and": [{"id": {"_eq": mate_id}}, {"owner": {"_eq": self.owner_id}}]}

    async def get(self, mate_id: str) -> Item:
        """The caller's mate; NOT_FOUND when missing or another user's."""
        uid = parse_uuid(mate_id)
        if uid is None:
            raise not_found()
        rows = await self.client.read_items(MATES, filter=self._mine(uid), fields=FIELDS, limit=1)
        if not rows:
            raise not_found()
        return rows[0]

    async def find(self, mate_ids: list[str]) -> dict[str, Item]:
        """The caller's mates among `mate_ids`, by id (others' and unknown ones left out)."""
        wanted = list(dict.fromkeys(uid for uid in map(parse_uuid, mate_ids) if uid))
        if not wanted:
            return {}
        ownership = {"_and": [{"id": {"_in": wanted}}, {"owner": {"_eq": self.owner_id}}]}
        rows = await self.client.read_items(
            MATES, filter=ownership, fields=FIELDS, limit=len(wanted)
        )
        return {str(row["id"]): row for row in rows}

    async def create(self, input: dict[str, Any]) -> Item:
        """Validate and store a new mate owned by the caller."""
        fields = MateFields.model_validate(input, context={"tool_apps": self.tool_apps})
        owned = await self.client.read_items(
            MATES, filter={"owner": {"_eq": self.owner_id}}, fields=["id"], limit=self.limit
        )
        if len(owned) >= self.limit:
            raise MatewayError(
                ErrorCode.CONFLICT, f"At most {self.limit} mates per user", reason="MATE_LIMIT"
            )
        row = {**fields.columns(), "owner": self.owner_id, "builtin": False}
        created = await self.client.create_item(MATES, row)
        return await self.get(str(created["id"]))

    async def update(self, mate_id: str, input: dict[str, Any]) -> Item:
        """Validate and apply changes to the caller's mate (built-ins: FORBIDDEN)."""
        if mate_id in builtin_mates_by_id():
            raise read_only()
        patch = MatePatch.model_validate(input, context={"tool_apps": self.tool_apps})
        current = await self.get(mate_id)
        changes = patch.columns()
        if changes:
            await self.client.update_item(MATES, current["id"], changes)
        return await self.get(str(current["id"]))

    async def delete(self, mate_id: str) -> None:
        """Delete the caller's mate (built-ins: FORBIDDEN)."""
        if mate_id in builtin_mates_by_id():
            raise read_only()
        current = await self.get(mate_id)
        await self.client.delete_item(MATES, current["id"])

    async def page(self, offset: int, first: int) -> MateListPage:
        """`first` mates from position `offset`: the built-ins, then the caller's own."""
        builtins = list(builtin_mates_by_id().values())
        shown = builtins[offset : offset + first]
        if offset + len(shown) < len(builtins):
            return MateListPage(shown, [], has_next=True)  # the page ends inside the built-ins
        wanted = first - len(shown)
        # One more row than needed tells whether another page follows.
        rows = await self.client.read_items(
            MATES,
            filter={"owner": {"_eq": self.owner_id}},
            fields=FIELDS,
            sort=ORDER,
            offset=max(0, offset - len(builtins)),
            limit=wanted + 1,
        )
        return MateListPage(shown, rows[:wanted], has_next=len(rows) > wanted)
