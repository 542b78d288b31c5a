"""`supergraph/supergraph.yaml`: which subgraphs make the supergraph and where they run.

```yaml
subgraphs:
  mates:
    module: subgraphs.mates.app:app        # ASGI app, called in-process (local default)
  web:
    url: http://web:8000/graphql           # or a subgraph served on its own
    timeout_seconds: 10
```
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from router.transports import HttpxTransport, SubgraphTransport

DEFAULT_PATH = Path("supergraph/supergraph.yaml")


class SubgraphEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    module: str | None = Field(
        default=None, description="'package.module:attribute' of an ASGI app"
    )
    url: str | None = Field(default=None, description="HTTP URL of the subgraph's GraphQL endpoint")
    timeout_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _one_location(self) -> SubgraphEntry:
        if (self.module is None) == (self.url is None):
            raise ValueError("give exactly one of 'module' or 'url'")
        return self

    def routing_url(self, name: str) -> str:
        """The URL written into `join__Graph`; in-process subgraphs get a local placeholder."""
        return self.url or f"http://in-process.{name}/graphql"


class SupergraphConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subgraphs: dict[str, SubgraphEntry]

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> SupergraphConfig:
        """Reads and validates a supergraph.yaml file."""
        data = yaml.safe_load(path.read_text()) or {}
        return cls.model_validate(data)


def load_asgi_app(reference: str) -> Any:
    """Imports 'package.module:attribute' and returns the attribute."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute or "app")


def build_transport(entry: SubgraphEntry) -> SubgraphTransport:
    """The transport for one subgraph: in-process when it names a module, else HTTP."""
    if entry.module is not None:
        return HttpxTransport.in_process(load_asgi_app(entry.module), timeout=entry.timeout_seconds)
    assert entry.url is not None
    return HttpxTransport.http(entry.url, timeout=entry.timeout_seconds)
