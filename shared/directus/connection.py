"""How the backup and restore commands find the Directus to talk to and its token."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.directus.admin_api import AdminApi
from shared.directus.errors import DirectusError
from shared.directus.runtime import load_or_create_secrets
from shared.settings import ServiceSettings

DEFAULT_DATA_DIR = Path("data/directus")


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    """Add --url, --token and --data-dir to a command line parser."""
    parser.add_argument("--url", help="Directus base URL (default: MATEWAY_DIRECTUS_URL)")
    parser.add_argument("--token", help="admin static token (default: MATEWAY_DIRECTUS_TOKEN)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"a local Directus data folder whose stored token to use (default {DEFAULT_DATA_DIR})",
    )


def _local_url(data_dir: Path) -> str | None:
    env = data_dir / ".env"
    if not env.is_file():
        return None
    values = dict(line.split("=", 1) for line in env.read_text().splitlines() if "=" in line)
    return values.get("PUBLIC_URL")


def connect(args: argparse.Namespace) -> AdminApi:
    """An AdminApi from explicit flags, else a local data folder, else the settings."""
    settings = ServiceSettings.load()
    if args.token:
        return AdminApi(args.url or settings.directus_url, args.token)
    data_dir: Path = args.data_dir or DEFAULT_DATA_DIR
    local_url = _local_url(data_dir)
    if local_url is not None and (data_dir / "secrets.json").is_file():
        return AdminApi(args.url or local_url, load_or_create_secrets(data_dir).platform_token)
    if settings.directus_token is not None:
        return AdminApi(
            args.url or settings.directus_url, settings.directus_token.get_secret_value()
        )
    raise DirectusError(
        f"no Directus token: pass --token, --data-dir (none found at {data_dir}) "
        "or set MATEWAY_DIRECTUS_TOKEN"
    )
