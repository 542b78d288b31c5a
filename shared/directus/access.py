"""Where a service finds its Directus and the static token to use.

Explicit settings win (`MATEWAY_DIRECTUS_URL`, `MATEWAY_DIRECTUS_TOKEN`); otherwise a local
Directus data folder (`data/directus` by default, as `start-server.sh` lays it out) gives
the URL from its `.env` and the platform user's token from its `secrets.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shared.directus.errors import DirectusError
from shared.settings import ServiceSettings

DEFAULT_DATA_DIR = Path("data/directus")


class DirectusServiceSettings(ServiceSettings):
    """Settings of a service that talks to Directus."""

    directus_data_dir: Path | None = DEFAULT_DATA_DIR
    directus_timeout_seconds: float = 10.0
    directus_retries: int = 2


@dataclass(frozen=True)
class DirectusAccess:
    """A Directus base URL and the static token to call it with."""

    url: str
    token: str

    def __repr__(self) -> str:
        return f"DirectusAccess(url={self.url!r}, token=***)"


def _local_url(data_dir: Path) -> str | None:
    """The `PUBLIC_URL` written into a data folder's `.env`, if any."""
    env = data_dir / ".env"
    if not env.is_file():
        return None
    for line in env.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "PUBLIC_URL":
            return value.strip().strip('"')
    return None


def _local_token(data_dir: Path) -> str | None:
    """The platform user's token kept in a data folder's `secrets.json`, if any."""
    path = data_dir / "secrets.json"
    if not path.is_file():
        return None
    token = json.loads(path.read_text()).get("platform_token")
    return token if isinstance(token, str) and token else None


def resolve_access(settings: DirectusServiceSettings) -> DirectusAccess:
    """The URL and token from settings, falling back to the local data folder."""
    explicit_url = "directus_url" in settings.model_fields_set
    data_dir = settings.directus_data_dir
    if settings.directus_token is not None:
        url = settings.directus_url
        if not explicit_url and data_dir is not None:
            url = _local_url(data_dir) or url
        return DirectusAccess(url.rstrip("/"), settings.directus_token.get_secret_value())
    token = _local_token(data_dir) if data_dir is not None else None
    if token is None:
        raise DirectusError(
            "no Directus token: set MATEWAY_DIRECTUS_TOKEN or MATEWAY_DIRECTUS_DATA_DIR "
            f"(no secrets.json in {data_dir})"
        )
    assert data_dir is not None
    url = settings.directus_url if explicit_url else (_local_url(data_dir) or settings.directus_url)
    return DirectusAccess(url.rstrip("/"), token)
