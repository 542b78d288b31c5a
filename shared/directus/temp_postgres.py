"""A throwaway PostgreSQL cluster in a temporary folder (Debian's `postgresql` package).

The committed schema snapshot is taken on PostgreSQL: on SQLite Directus reports uuid
foreign keys as `string` char(36), which PostgreSQL would refuse to link to a uuid key,
while a PostgreSQL snapshot applies to both databases.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.directus.errors import DirectusError

DATABASE = "directus"


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    which = shutil.which(name)
    if which is None:
        raise DirectusError(f"PostgreSQL's {name} not found: apt-get install postgresql")
    return which


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the `postgres` user when we are root, since PostgreSQL refuses to run as root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _run(args: list[str]) -> None:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DirectusError(f"{' '.join(args[:2])} failed: {done.stdout}{done.stderr}")


@contextmanager
def temp_postgres(port: int) -> Iterator[dict[str, str]]:
    """Start a trust-auth cluster on 127.0.0.1:`port`; yield Directus's DB_* settings."""
    folder = Path(tempfile.mkdtemp(prefix="mateway-pg-"))
    if os.geteuid() == 0:
        os.chown(folder, pwd.getpwnam("postgres").pw_uid, -1)
    data = folder / "db"
    try:
        _run([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        options = f"-k {folder} -p {port} -h 127.0.0.1 -F"
        _run(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        )
        try:
            _run(
                [
                    _pg_bin("createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    DATABASE,
                ]
            )
            yield {
                "DB_CLIENT": "pg",
                "DB_HOST": "127.0.0.1",
                "DB_PORT": str(port),
                "DB_DATABASE": DATABASE,
                "DB_USER": "postgres",
                "DB_PASSWORD": "",
            }
        finally:
            _run([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
