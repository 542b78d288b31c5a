"""A small synchronous REST client for Directus admin work (provisioning, backup, restore).

The platform's request path uses the kit's async client; this one serves one-off
command-line tools and startup, where blocking calls are the simpler thing.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared.directus.errors import DirectusError


class AdminApi:
    """Calls Directus's REST API with a static token and turns failures into DirectusError."""

    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> AdminApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; raise DirectusError naming the call on a transport or HTTP error."""
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DirectusError(f"{method} {self.url}{path} failed: {exc!r}") from exc
        if response.status_code >= 400:
            raise DirectusError(
                f"{method} {self.url}{path} answered {response.status_code}: {response.text[:500]}"
            )
        return response

    def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """The `data` member of a JSON answer (None for 204 No Content)."""
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json().get("data")
