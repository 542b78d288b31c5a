"""Encryption benchmark: message throughput and the cost of unwrapping a chat key.

Prints MB/s to encrypt and decrypt 1 KB and 100 KB message bodies (AES-256-GCM through
ChatCipher, envelope and base64url included), and the time to get a chat's cipher with and
without the in-memory cache, for the local keyring and for Vault transit on a real OpenBao
dev server. Every loop is bounded by a small time budget; nothing asserts on timings.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from shared.crypto import ChatCipher, ChatKeyManager, DataKey, LocalKeyring, VaultTransit
from tests.support.openbao import OpenBaoServer

pytestmark = pytest.mark.benchmark
BUDGET_SECONDS = 0.5
MAX_ROUNDS = 20_000


def _rounds(function: Callable[[], object]) -> tuple[int, float]:
    """Run `function` until the budget or round limit is spent; (rounds, seconds)."""
    start = time.perf_counter()
    rounds = 0
    while rounds < MAX_ROUNDS and time.perf_counter() - start < BUDGET_SECONDS:
        function()
        rounds += 1
    return rounds, time.perf_counter() - start


async def _async_rounds(function: Callable[[], Awaitable[object]], limit: int) -> float:
    """Microseconds per call of `function`, averaged over up to `limit` calls in the budget."""
    start = time.perf_counter()
    rounds = 0
    while rounds < limit and time.perf_counter() - start < BUDGET_SECONDS:
        await function()
        rounds += 1
    return (time.perf_counter() - start) / rounds * 1e6


@pytest.mark.parametrize("size", [1024, 100 * 1024], ids=["1KB", "100KB"])
def test_message_encryption_throughput(size: int) -> None:
    cipher = ChatCipher("chat-bench", DataKey.generate())
    body = secrets.token_hex(size // 2)
    stored = cipher.encrypt_message("m1", body)
    encrypt_rounds, encrypt_seconds = _rounds(lambda: cipher.encrypt_message("m1", body))
    decrypt_rounds, decrypt_seconds = _rounds(lambda: cipher.decrypt_message("m1", stored))
    megabytes = size / 1_000_000
    print(
        f"\n[bench_encryption] {size // 1024} KB message: "
        f"encrypt {encrypt_rounds * megabytes / encrypt_seconds:.1f} MB/s "
        f"({encrypt_seconds / encrypt_rounds * 1e6:.1f} us each), "
        f"decrypt {decrypt_rounds * megabytes / decrypt_seconds:.1f} MB/s "
        f"({decrypt_seconds / decrypt_rounds * 1e6:.1f} us each)"
    )
    assert cipher.decrypt_message("m1", stored) == body


async def _unwrap_costs(name: str, cached: ChatKeyManager, uncached: ChatKeyManager) -> None:
    stored = (await cached.create_chat_key("chat-bench")).stored
    await cached.cipher("chat-bench", stored)
    hit = await _async_rounds(lambda: cached.cipher("chat-bench", stored), MAX_ROUNDS)
    miss = await _async_rounds(lambda: uncached.cipher("chat-bench", stored), 500)
    print(
        f"\n[bench_encryption] {name} unwrap: cached {hit:.1f} us, uncached {miss:.1f} us "
        f"({miss / hit:.0f}x)"
    )
    assert len(uncached.cache) == 0


async def test_unwrap_cost_local_keyring(tmp_path: Path) -> None:
    backend = LocalKeyring(tmp_path / "keyring.json", "bench-master-secret")
    await _unwrap_costs(
        "local keyring", ChatKeyManager(backend), ChatKeyManager(backend, cache_ttl_seconds=0)
    )


async def test_unwrap_cost_vault_transit(openbao: OpenBaoServer) -> None:
    backend = VaultTransit.connect(openbao.url, openbao.token, "bench-chats")
    await _unwrap_costs(
        "vault transit (OpenBao dev, loopback)",
        ChatKeyManager(backend),
        ChatKeyManager(backend, cache_ttl_seconds=0),
    )
