"""`python -m shared.platform.run SERVICE`: the launcher supervisord runs for every service.

It builds the service's environment (secrets read at each start, so none sits in the
supervisor config) and replaces itself with the service, so signals reach it directly.
"""

from __future__ import annotations

import os
import sys

from shared.platform.services import REPO_ROOT, command, environment
from shared.platform.settings import PlatformSettings


def main(argv: list[str] | None = None) -> int:
    """Exec the named service; returns only on a usage error."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m shared.platform.run SERVICE", file=sys.stderr)
        return 2
    name = args[0]
    settings = PlatformSettings()
    paths = settings.paths(REPO_ROOT)
    try:
        argv_of_service = command(name, settings, paths)
    except ValueError as error:
        print(f"mateway: {error}", file=sys.stderr)
        return 2
    env = environment(name, settings, paths)
    os.chdir(REPO_ROOT)
    os.execve(argv_of_service[0], argv_of_service, env)


if __name__ == "__main__":
    sys.exit(main())
