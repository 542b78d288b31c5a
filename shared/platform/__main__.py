"""`python -m shared.platform start [--detach] | stop | status`; start-server.sh calls it."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from shared.platform.settings import PlatformSettings
from shared.platform.stack import (
    StackError,
    log_events_to,
    repo_root,
    running_settings,
    say,
    start,
    stop,
)
from shared.platform.status import status


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m shared.platform", description=__doc__)
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument(
        "--detach", action="store_true", help="return once everything is up (start only)"
    )
    args = parser.parse_args(argv)
    paths = PlatformSettings().paths(repo_root())
    # A running stack keeps its ports even if this shell's environment says otherwise.
    settings = running_settings(PlatformSettings(), paths)
    # start-server.sh passes its own start time, so the install is part of the duration.
    t0 = settings.start_t0 or time.time()
    if args.command != "status":
        log_events_to(paths)
    try:
        if args.command == "start":
            return start(settings, paths, args.detach, t0)
        if args.command == "stop":
            return stop(settings, paths)
        return status(settings, paths)
    except StackError as error:
        say(str(error), logging.ERROR)
        return 1
    except RuntimeError as error:
        say(str(error), logging.ERROR)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
