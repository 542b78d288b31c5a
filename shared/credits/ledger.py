"""The credits ledger: Directus `usage`, one row per movement, unique by request id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.directus.api_errors import DirectusApiError
from shared.directus.client import DirectusClient

COLLECTION = "usage"
Kind = Literal["settle", "grant", "purchase"]
_FIELDS = [
    "id",
    "kind",
    "user",
    "skill",
    "request_id",
    "credits",
    "tokens",
    "status",
    "reason",
    "parent_request_id",
    "date_created",
]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One credit movement; `credits` is signed (charges are negative)."""

    kind: Kind
    user: str
    request_id: str
    credits: int
    skill: str = ""
    tokens: int | None = None
    status: str | None = None
    reason: str | None = None
    parent_request_id: str | None = None

    def row(self) -> dict[str, Any]:
        """The Directus row to create."""
        return {
            "kind": self.kind,
            "user": self.user,
            "skill": self.skill,
            "request_id": self.request_id,
            "credits": self.credits,
            "tokens": self.tokens,
            "status": self.status,
            "reason": self.reason,
            "parent_request_id": self.parent_request_id,
        }


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """One read of a user's ledger: the sum, every request id, and recent rows' credits.

    `recent` holds the rows written within the window the snapshot was asked for: those
    whose commits Redis would still remember as applied (balance.DONE_TTL_MS).
    """

    total: int
    request_ids: set[str]
    recent: dict[str, int]


def created_at(row: dict[str, Any]) -> datetime:
    """When a ledger row was written (now when Directus did not say)."""
    value = row.get("date_created")
    if not value:
        return datetime.now(UTC)  # unknown: treat as recent (marking it is harmless)
    created = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return created if created.tzinfo else created.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LedgerPage:
    """Rows of one user's ledger, newest first, and whether older ones follow."""

    rows: list[dict[str, Any]]
    has_next: bool


class Ledger:
    """Writes and reads `usage` through the platform's Directus client."""

    def __init__(self, directus: DirectusClient) -> None:
        self.directus = directus

    async def write(self, entry: LedgerEntry) -> bool:
        """Creates the row; False when the request id is already there (a retried write)."""
        try:
            await self.directus.add_item(COLLECTION, entry.row())
        except DirectusApiError as error:
            if error.directus_code == "RECORD_NOT_UNIQUE":
                return False
            raise
        return True

    async def snapshot(self, user: str, recent_seconds: float) -> LedgerSnapshot:
        """The user's balance by the ledger, its request ids and its recent rows, in one read."""
        rows = await self.directus.read_items(
            COLLECTION,
            filter={"user": {"_eq": user}},
            fields=["request_id", "credits", "date_created"],
            limit=-1,
        )
        since = datetime.now(UTC) - timedelta(seconds=recent_seconds)
        recent = {
            str(row["request_id"]): int(row["credits"]) for row in rows if created_at(row) >= since
        }
        total = sum(int(row["credits"]) for row in rows)
        return LedgerSnapshot(total, {str(row["request_id"]) for row in rows}, recent)

    async def find(self, request_id: str) -> dict[str, Any] | None:
        """The row of one request id, or None."""
        rows = await self.directus.read_items(
            COLLECTION, filter={"request_id": {"_eq": request_id}}, fields=_FIELDS, limit=1
        )
        return rows[0] if rows else None

    async def page(self, user: str, first: int, after: int | None = None) -> LedgerPage:
        """Up to `first` rows older than row id `after` (ids grow with time)."""
        conditions: list[dict[str, Any]] = [{"user": {"_eq": user}}]
        if after is not None:
            conditions.append({"id": {"_lt": after}})
        rows = await self.directus.read_items(
            COLLECTION,
            filter={"_and": conditions},
            fields=_FIELDS,
            sort=["-id"],
            limit=first + 1,
        )
        return LedgerPage(rows[:first], len(rows) > first)
