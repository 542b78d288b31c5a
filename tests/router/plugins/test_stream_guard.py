"""The stream guard on its own: revocations applied while an operation was being prepared."""

from __future__ import annotations

import asyncio
import time

import pytest

from router.plugins._stream_guard import StreamGuard
from router.subscriptions.ending import StreamEnder, ended_by_server
from shared.auth.revocation import RevocationList
from shared.auth.tokens import TokenError
from shared.identity import CallerKind, Identity, Role
from tests.support.identity import user_identity

KEY_OWNER = Identity(kind=CallerKind.API_KEY, role=Role.USER, user_id="o", api_key_id="k1")


async def _refuse(key: str) -> Identity:
    raise TokenError("unknown_api_key", "gone")


async def _running(ender: StreamEnder) -> tuple[asyncio.Task[str], asyncio.Event]:
    """A task consuming a 'stream' until ended; it reports how it ended."""
    started = asyncio.Event()

    async def consume() -> str:
        try:
            ender.attach(asyncio.current_task())  # type: ignore[arg-type]
            started.set()
            await asyncio.sleep(30)
            return "completed"
        except asyncio.CancelledError:
            errors = ended_by_server(ender)
            if errors is None:
                raise
            return str(errors[0]["extensions"]["reason"])
        finally:
            ender.finish()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 2)
    return task, started


@pytest.mark.parametrize(
    ("identity", "entry"),
    [(user_identity("zed"), "session:s-zed"), (KEY_OWNER, "apikey:k1")],
)
async def test_operation_registered_after_its_revocation_ends_at_once(
    identity: Identity, entry: str
) -> None:
    revocations = RevocationList()
    guard = StreamGuard(revocations, _refuse)
    revocations.listeners.append(guard.on_revocation)
    revocations.apply(entry)  # arrives between identification and PLAN_READY
    ender = StreamEnder()
    guard.watch(identity, ender, issued_at=time.time(), expires_at=time.time() + 600)
    task, _ = await _running(ender)
    assert await asyncio.wait_for(task, 2) == "revoked"
    assert (guard.watching, guard.timers) == (0, 0)


async def test_client_leaving_is_not_turned_into_an_error() -> None:
    guard = StreamGuard(RevocationList(), _refuse)
    ender = StreamEnder()
    guard.watch(user_identity("amy"), ender, issued_at=time.time(), expires_at=time.time() + 60)
    task, _ = await _running(ender)
    task.cancel()  # what a client's complete does
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (guard.watching, guard.timers, guard.ended) == (0, 0, 0)


async def test_a_listener_failing_does_not_stop_the_entry_from_being_applied() -> None:
    revocations = RevocationList()

    def broken(entry: str) -> None:
        raise RuntimeError("bug")

    revocations.listeners.append(broken)
    revocations.apply("session:s-bea")
    assert revocations.is_revoked(user_identity("bea"), time.time())
