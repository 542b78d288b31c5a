"""Settings of the mates app (environment, `.env`; see shared.settings)."""

from __future__ import annotations

from pathlib import Path

from shared.apps.sync_supergraph import listed_subgraphs
from shared.directus.access import DirectusServiceSettings

# The platform subgraph is not an app a mate can use as a tool.
NOT_TOOL_APPS = frozenset({"core", "mates"})


class MatesSettings(DirectusServiceSettings):
    """Directus access and where the installed apps are listed."""

    service_name: str = "mates"
    # The installed apps a mate may be allowed to use: the subgraphs of this file.
    supergraph_config: Path = Path("supergraph/supergraph.yaml")
    # Set to override the file (env `MATEWAY_INSTALLED_APPS='["web","pdf"]'`).
    installed_apps: frozenset[str] | None = None
    max_mates_per_user: int = 200
    max_collections_per_user: int = 200

    def tool_apps(self) -> frozenset[str]:
        """The apps a user's mate may list in `allowedApps`."""
        if self.installed_apps is not None:
            return self.installed_apps
        return frozenset(listed_subgraphs(self.supergraph_config)) - NOT_TOOL_APPS
