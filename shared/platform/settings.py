"""The local stack's settings (`MATEWAY_*` environment, `.env`) and the paths it derives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings


class PlatformSettings(ServiceSettings):
    """What an admin can set for the local stack; the defaults suit one machine."""

    service_name: str = "mateway-platform"
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=1, le=65535)
    directus_port: int = Field(default=8055, ge=1, le=65535)
    valkey_port: int = Field(default=6379, ge=1, le=65535)
    # "valkey" for the bundled server; the checks call an external one (MATEWAY_REDIS_URL) "redis".
    redis_label: str = "valkey"
    worker_concurrency: int = Field(default=1, ge=1)
    directus_timeout_seconds: float = Field(default=240.0, gt=0)
    service_timeout_seconds: float = Field(default=90.0, gt=0)
    health_timeout_seconds: float = Field(default=2.0, gt=0)
    # Set by start-server.sh (MATEWAY_START_T0) so that the install counts in the start time.
    start_t0: float | None = None

    @property
    def external_redis(self) -> bool:
        """True when the admin gave a Redis URL, so no Valkey is started."""
        return "redis_url" in self.model_fields_set

    @property
    def stack_redis_url(self) -> str:
        """The Redis every service uses: the given one, or the bundled Valkey."""
        if self.external_redis:
            return self.redis_url
        return f"redis://127.0.0.1:{self.valkey_port}/0"

    @property
    def directus_base_url(self) -> str:
        """The local Directus's URL."""
        return f"http://127.0.0.1:{self.directus_port}"

    @property
    def router_url(self) -> str:
        """The router's base URL (GraphiQL at /graphql)."""
        return f"http://{self.host}:{self.port}"

    def paths(self, root: Path) -> StackPaths:
        """The stack's folders and files under the repository `root`."""
        data = self.data_dir if self.data_dir.is_absolute() else root / self.data_dir
        logs = self.log_dir or Path("logs")
        logs = logs if logs.is_absolute() else root / logs
        return StackPaths(root=root.resolve(), data=data.resolve(), logs=logs.resolve())


@dataclass(frozen=True)
class StackPaths:
    """Where the stack keeps its data, secrets, logs and supervisor files."""

    root: Path
    data: Path
    logs: Path

    @property
    def secrets(self) -> Path:
        """The generated platform secrets (mode 0600)."""
        return self.data / "secrets.env"

    @property
    def directus(self) -> Path:
        """Directus's data folder (database, uploads, its own secrets.json)."""
        return self.data / "directus"

    @property
    def valkey(self) -> Path:
        """Valkey's working folder (its RDB snapshot)."""
        return self.data / "valkey"

    @property
    def supervisor(self) -> Path:
        """supervisord's config, pid file and control socket."""
        return self.data / "supervisor"

    @property
    def socket(self) -> Path:
        """supervisord's control socket (a short name: unix socket paths are limited)."""
        return self.supervisor / "ctl.sock"

    @property
    def timings(self) -> Path:
        """The last first-start and warm-start durations."""
        return self.data / "platform-timings.json"

    def log(self, service: str) -> Path:
        """The log file of one service."""
        return self.logs / f"{service}.log"
