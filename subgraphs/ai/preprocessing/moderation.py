"""The moderation check: a Moderator Protocol and a client of OpenAI's /v1/moderations.

OpenAI's wire format (also served by OpenAI-compatible gateways): POST {base_url}/moderations
with {"model": ..., "input": text} answers {"id", "model", "results": [{"flagged": bool,
"categories": {name: bool}, "category_scores": {name: float}}]}. The verdict keeps whether the
text was flagged and which categories were; a moderator that cannot answer raises
ModerationUnavailable so the caller decides whether to go on without the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from shared.httpx_client import AsyncClient


@dataclass(frozen=True, slots=True)
class ModerationVerdict:
    """Whether the text was flagged, the flagged categories (sorted) and who said so."""

    flagged: bool
    categories: tuple[str, ...]
    model: str


class ModerationUnavailable(Exception):
    """The moderation service did not give a verdict (down, timed out, malformed answer)."""


class Moderator(Protocol):
    """Checks a user's message before it reaches a model."""

    async def moderate(self, text: str) -> ModerationVerdict:
        """The verdict on one text; raises ModerationUnavailable when there is none."""
        ...


def parse_moderation(body: Any) -> ModerationVerdict:
    """A verdict from an OpenAI moderation response body; any result flagged flags the text."""
    try:
        results = body["results"]
        flagged = any(bool(result["flagged"]) for result in results)
        categories = sorted(
            {
                str(name)
                for result in results
                for name, hit in (result.get("categories") or {}).items()
                if hit is True
            }
        )
        return ModerationVerdict(flagged, tuple(categories), str(body.get("model", "")))
    except (KeyError, TypeError, AttributeError) as error:
        raise ModerationUnavailable(f"malformed moderation response: {error!r}") from error


class OpenAIModerator:
    """A Moderator over an OpenAI-compatible /v1/moderations endpoint."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str = "omni-moderation-latest",
        timeout: float = 5.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/moderations"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._model = model
        self._timeout = timeout
        self._client = client or AsyncClient()

    async def moderate(self, text: str) -> ModerationVerdict:
        """POSTs the text and reads the verdict; errors become ModerationUnavailable."""
        try:
            response = await self._client.post(
                self._url,
                json={"model": self._model, "input": text},
                headers=self._headers,
                timeout=self._timeout,
            )
        except httpx.HTTPError as error:
            raise ModerationUnavailable(f"moderation request failed: {error!r}") from error
        if response.status_code != 200:
            raise ModerationUnavailable(f"moderation answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise ModerationUnavailable("moderation answered invalid JSON") from error
        return parse_moderation(body)

    async def aclose(self) -> None:
        """Closes the HTTP client."""
        await self._client.aclose()
