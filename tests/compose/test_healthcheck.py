"""compose/healthcheck.py (the image's `mateway-healthcheck`): 2xx is healthy, else not."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.compose.conftest import COMPOSE_DIR

SCRIPT = COMPOSE_DIR / "healthcheck.py"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = (200, b'{"status":"up"}') if self.path == "/up" else (503, b"redis down")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _run(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), url, "--timeout", "2"], capture_output=True, text=True
    )


def test_2xx_is_healthy(base_url: str) -> None:
    assert _run(f"{base_url}/up").returncode == 0


def test_503_is_unhealthy_and_the_reason_is_printed(base_url: str) -> None:
    result = _run(f"{base_url}/health")
    assert result.returncode == 1
    assert "503 redis down" in result.stderr


def test_nothing_listening_is_unhealthy() -> None:
    result = _run("http://127.0.0.1:9/health")
    assert result.returncode == 1
    assert "unhealthy" in result.stderr
