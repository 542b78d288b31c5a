"""``serve --workers N``: N router processes on one port, connections spread by the kernel.

One Python process runs one event loop on one core. A router streaming hundreds of replies
is CPU-bound there while the machine's other cores idle. Each worker builds the whole router
itself (plans, pools, in-process subgraphs) and listens on the port with SO_REUSEPORT, so
Linux hands each new connection to one of them. What the workers must share is already in
Redis: credit balances and holds, chat locks and recent windows, cancel signals, rate limits.

The parent only starts and watches. Before starting workers it binds the port once without
SO_REUSEPORT, so a port in use fails at once with a clear error. SIGTERM or SIGINT stops the
workers gracefully. When a worker dies, the parent stops the others and exits non-zero: the
service manager (compose, systemd) restarts the router as a whole.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from typing import Any

_STOP_SECONDS = 30.0


def listening_socket(host: str, port: int, shared: bool) -> socket.socket:
    """A TCP socket listening on host:port (SO_REUSEPORT when `shared`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_workers(args: argparse.Namespace, count: int) -> int:
    """Runs `count` workers until a signal (exit 0) or a worker's death (exit 1)."""
    try:
        listening_socket(args.host, args.port, shared=False).close()
    except OSError as error:
        print(f"router: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_worker, args=(args,), name=f"router-worker-{index}")
        for index in range(count)
    ]
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, _: stopping.append(number))
    signal.signal(signal.SIGINT, lambda number, _: stopping.append(number))
    for worker in workers:
        worker.start()
    print(f"router: {count} workers on http://{args.host}:{args.port}/graphql", file=sys.stderr)
    while not stopping and all(worker.is_alive() for worker in workers):
        time.sleep(0.2)
    died = [worker for worker in workers if not worker.is_alive()]
    _stop(workers)
    if stopping:
        return 0
    codes = ", ".join(f"{worker.name} exit {worker.exitcode}" for worker in died)
    print(f"router: a worker ended ({codes}); stopping the others", file=sys.stderr)
    return 1


def _stop(workers: Sequence[BaseProcess]) -> None:
    """SIGTERM (uvicorn's graceful shutdown), then SIGKILL whatever is left."""
    for worker in workers:
        if worker.is_alive() and worker.pid is not None:
            os.kill(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_SECONDS
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join()


def _worker(args: argparse.Namespace) -> None:
    """One worker process: build the router, then serve it on the shared port."""
    from router.composition.errors import CompositionError
    from router.http.command import build_app, uvicorn_server
    from shared.gc_tuning import tune_collector

    try:
        app = build_app(args)
    except (OSError, ValueError, CompositionError) as error:
        print(f"router: {error}", file=sys.stderr)
        sys.exit(1)
    tune_collector()
    sock = listening_socket(args.host, args.port, shared=True)
    server = uvicorn_server(app, args.host, args.port)
    server.run(sockets=[sock])


def worker_count(value: Any) -> int:
    """`--workers`: a positive count, or 0 for one per CPU core."""
    count = int(value)
    if count < 0:
        raise argparse.ArgumentTypeError("workers must be 0 (one per core) or more")
    return count or len(os.sched_getaffinity(0))  # the CPUs this process may run on
