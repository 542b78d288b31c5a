"""Stopping a running reply: a stop signal per message over Redis pub/sub.

`cancelReply` publishes on `mateway:chat:cancel:<message id>` and also leaves a short-lived
marker key, because pub/sub forgets a message nobody was subscribed to: a reply that starts
listening a moment after the click still sees the marker. The reply producer (issue 6) runs

    async with cancellation(redis, user_message_id, reply_message_id) as stop:
        async for token in model.stream(...):
            if stop.is_set():
                break

and stops within one token of the signal. The signal carries no text, only the id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

logger = logging.getLogger("mateway.core.chats.cancel")

CHANNEL_PREFIX = "mateway:chat:cancel:"
MARKER_PREFIX = "mateway:chat:cancelled:"


def cancel_channel(message_id: str) -> str:
    """The pub/sub channel of one message's stop signal."""
    return CHANNEL_PREFIX + message_id


async def publish_cancel(redis: Redis, message_id: str, marker_seconds: int = 120) -> int:
    """Send the stop signal; the number of listeners that heard it now (0: none running)."""
    await redis.set(MARKER_PREFIX + message_id, b"1", ex=marker_seconds)
    return int(await redis.publish(cancel_channel(message_id), b"cancel"))


@contextlib.asynccontextmanager
async def cancellation(redis: Redis, *message_ids: str) -> AsyncIterator[asyncio.Event]:
    """An Event set when any of `message_ids` is cancelled, while the block runs.

    Subscribes before checking the markers, so a signal sent at any moment is seen.
    """
    if not message_ids:
        raise ValueError("cancellation needs at least one message id")
    stop = asyncio.Event()
    pubsub = redis.pubsub()
    await pubsub.subscribe(*(cancel_channel(mid) for mid in message_ids))
    listener = asyncio.create_task(_listen(pubsub, stop))
    try:
        markers = await redis.exists(*(MARKER_PREFIX + mid for mid in message_ids))
        if markers:
            stop.set()
        yield stop
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        with contextlib.suppress(RedisError, OSError):
            await pubsub.unsubscribe()
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _listen(pubsub: PubSub, stop: asyncio.Event) -> None:
    """Set `stop` on the first message of a subscribed channel."""
    try:
        async for message in pubsub.listen():
            if message.get("type") == "message":
                stop.set()
                return
    except (RedisError, OSError) as error:
        # Losing Redis must not kill the reply; it only cannot be stopped from outside now.
        logger.warning("cancel listener lost Redis: %s", error)
