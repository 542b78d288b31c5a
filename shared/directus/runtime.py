"""Run a local Directus: config and secrets in a data folder, first-run bootstrap, start, ready.

Used by `start-server.sh` (through `python -m shared.directus.serve`) and by test fixtures
(`start_directus`). Everything Directus writes lives in the data folder: `.env`,
`secrets.json` (mode 0600), the SQLite database, uploads and extensions.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from shared.directus import install
from shared.directus.errors import DirectusError, DirectusNotReady
from shared.directus.provision import provision_platform_user

ADMIN_EMAIL = "directus-admin@mateway.example.com"
BOOTSTRAP_TIMEOUT = 300.0


@dataclass(frozen=True)
class DirectusConfig:
    """Where a Directus keeps its files and where it listens; `extra_env` overrides `.env`."""

    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    log_file: Path | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The base URL of the Directus REST API."""
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        """The file Directus's output goes to."""
        return self.log_file or self.data_dir / "directus.log"


@dataclass(frozen=True)
class DirectusSecrets:
    """Generated once per data folder and kept in `secrets.json` (mode 0600)."""

    key: str
    secret: str
    admin_email: str
    admin_password: str
    admin_token: str
    platform_token: str

    @classmethod
    def generate(cls) -> DirectusSecrets:
        """Fresh random secrets."""
        return cls(
            key=secrets.token_urlsafe(32),
            secret=secrets.token_urlsafe(48),
            admin_email=ADMIN_EMAIL,
            admin_password=secrets.token_urlsafe(18),
            admin_token=secrets.token_urlsafe(32),
            platform_token=secrets.token_urlsafe(32),
        )


def load_or_create_secrets(data_dir: Path) -> DirectusSecrets:
    """Read the data folder's secrets, generating and storing them (0600) on first use."""
    path = data_dir / "secrets.json"
    if path.is_file():
        return DirectusSecrets(**json.loads(path.read_text()))
    data_dir.mkdir(parents=True, exist_ok=True)
    created = DirectusSecrets.generate()
    # Create with 0600 from the start so the secrets are never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(created), handle, indent=2)
    return created


def directus_env(config: DirectusConfig, keys: DirectusSecrets) -> dict[str, str]:
    """The Directus settings for this data folder (SQLite unless `extra_env` says otherwise)."""
    data = config.data_dir.resolve()
    env = {
        "HOST": config.host,
        "PORT": str(config.port),
        "PUBLIC_URL": config.url,
        "DB_CLIENT": "sqlite3",
        "DB_FILENAME": str(data / "directus.sqlite"),
        "KEY": keys.key,
        "SECRET": keys.secret,
        "ADMIN_EMAIL": keys.admin_email,
        "ADMIN_PASSWORD": keys.admin_password,
        "ADMIN_TOKEN": keys.admin_token,
        "TELEMETRY": "false",
        "STORAGE_LOCATIONS": "local",
        "STORAGE_LOCAL_ROOT": str(data / "uploads"),
        "EXTENSIONS_PATH": str(data / "extensions"),
        "EXTENSIONS_AUTO_RELOAD": "false",
        "LOG_STYLE": "raw",
        "LOG_LEVEL": "warn",
        "CACHE_ENABLED": "false",
        "RATE_LIMITER_ENABLED": "false",
        # On a busy machine the event-loop-delay limiter answers 503 "Under pressure" to
        # requests Directus could serve; the platform's own limits apply in the router.
        "PRESSURE_LIMITER_ENABLED": "false",
        "WEBSOCKETS_ENABLED": "false",
        # Schema apply and data restore send whole snapshots in one request.
        "MAX_PAYLOAD_SIZE": "64mb",
    }
    if "DB_CLIENT" in config.extra_env:
        del env["DB_FILENAME"]
    env.update(config.extra_env)
    return env


def _dotenv_line(key: str, value: str) -> str:
    if any(c in value for c in " #\"'\n"):
        value = json.dumps(value)
    return f"{key}={value}\n"


def write_env_file(config: DirectusConfig, keys: DirectusSecrets) -> Path:
    """Write the data folder's `.env` (mode 0600), which Directus prefers over the environment."""
    path = config.data_dir / ".env"
    for folder in ("uploads", "extensions"):
        (config.data_dir / folder).mkdir(parents=True, exist_ok=True)
    # Directus looks for extension packages in the working folder's package.json.
    package = config.data_dir / "package.json"
    if not package.exists():
        package.write_text('{"name": "mateway-directus-data", "private": true}\n')
    text = "".join(_dotenv_line(k, v) for k, v in directus_env(config, keys).items())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def process_env(config: DirectusConfig) -> dict[str, str]:
    env = dict(os.environ)
    env["CONFIG_PATH"] = str((config.data_dir / ".env").resolve())
    return env


def installed_version() -> str:
    """The version of the installed Directus package."""
    package = install.install_dir() / "node_modules" / "directus" / "package.json"
    return str(json.loads(package.read_text())["version"])


def bootstrap_if_needed(config: DirectusConfig) -> bool:
    """Create (or migrate) the database on first run or after an upgrade; True if it ran."""
    stamp = config.data_dir / ".bootstrapped"
    version = installed_version()
    if stamp.is_file() and stamp.read_text().strip() == version:
        return False
    config.log_path.parent.mkdir(parents=True, exist_ok=True)
    with config.log_path.open("ab") as log:
        try:
            done = subprocess.run(
                [*install.directus_cli(), "bootstrap"],
                cwd=config.data_dir,
                env=process_env(config),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=BOOTSTRAP_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise DirectusError(f"Directus bootstrap timed out; see {config.log_path}") from exc
    if done.returncode != 0:
        raise DirectusError(
            f"Directus bootstrap failed (exit {done.returncode}); see {config.log_path}"
        )
    stamp.write_text(version + "\n")
    return True


def prepare(config: DirectusConfig) -> DirectusSecrets:
    """Install if missing, write secrets and `.env`, and bootstrap on first run."""
    install.ensure_installed()
    keys = load_or_create_secrets(config.data_dir)
    write_env_file(config, keys)
    bootstrap_if_needed(config)
    return keys


def start_command() -> list[str]:
    """The command line that starts the installed Directus server."""
    return [*install.directus_cli(), "start"]


def spawn(config: DirectusConfig) -> subprocess.Popen[bytes]:
    """Start Directus in its own process group with its output appended to the log file."""
    config.log_path.parent.mkdir(parents=True, exist_ok=True)
    with config.log_path.open("ab") as log:
        return subprocess.Popen(
            start_command(),
            cwd=config.data_dir,
            env=process_env(config),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _last_line(log_file: Path) -> str:
    try:
        lines = log_file.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def wait_ready(
    url: str, log_file: Path, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> float:
    """Wait until `GET /server/ping` answers pong; return the seconds waited.

    Raises DirectusNotReady naming the log file when time runs out or the process exits.
    """
    started = time.monotonic()
    deadline = started + timeout
    with httpx.Client(timeout=2.0) as client:
        while True:
            if process is not None and process.poll() is not None:
                raise DirectusNotReady(
                    f"Directus exited with code {process.returncode} while starting; "
                    f"see {log_file} (last line: {_last_line(log_file)})"
                )
            try:
                if client.get(f"{url}/server/ping").text.strip() == "pong":
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass  # not listening yet
            if time.monotonic() >= deadline:
                raise DirectusNotReady(
                    f"Directus did not answer {url}/server/ping within {timeout:g} s; "
                    f"see {log_file}"
                )
            time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop a process started by `spawn` (its whole group), killing it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
    except ProcessLookupError:
        process.wait(timeout)


@dataclass
class DirectusServer:
    """A running Directus with the tokens to talk to it; a context manager that stops it."""

    config: DirectusConfig
    secrets: DirectusSecrets
    process: subprocess.Popen[bytes]
    ready_seconds: float

    @property
    def url(self) -> str:
        """The base URL of the REST API."""
        return self.config.url

    @property
    def admin_token(self) -> str:
        """The static token of Directus's own admin (for schema work)."""
        return self.secrets.admin_token

    @property
    def platform_token(self) -> str:
        """The static token of the platform's service user."""
        return self.secrets.platform_token

    def stop(self) -> None:
        """Stop the server."""
        stop_process(self.process)

    def __enter__(self) -> DirectusServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_directus(config: DirectusConfig, timeout: float = 60.0) -> DirectusServer:
    """Prepare, start and wait for a Directus, and make sure the platform user exists."""
    keys = prepare(config)
    process = spawn(config)
    try:
        ready = wait_ready(config.url, config.log_path, timeout, process)
        provision_platform_user(config.url, keys.admin_token, keys.platform_token)
    except BaseException:
        stop_process(process)
        raise
    return DirectusServer(config, keys, process, ready)
