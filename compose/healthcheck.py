#!/usr/bin/env python3
"""Container health check: exit 0 when a URL answers 2xx within the timeout, else 1.

    mateway-healthcheck http://127.0.0.1:4000/health [--timeout 4]

Standard library only (no curl in the slim image). The body of a failed check is printed,
so `docker inspect` shows which dependency `/health` named as down.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request


def check(url: str, timeout: float) -> tuple[bool, str]:
    """Whether `url` answers 2xx, and what to report."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300, f"{response.status}"
    except urllib.error.HTTPError as error:
        return False, f"{error.code} {error.read(2000).decode(errors='replace')}"
    except (OSError, ValueError) as error:
        return False, f"{type(error).__name__}: {error}"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="mateway-healthcheck", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=4.0)
    args = parser.parse_args(argv)
    healthy, detail = check(args.url, args.timeout)
    if not healthy:
        print(f"unhealthy: {args.url}: {detail}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
