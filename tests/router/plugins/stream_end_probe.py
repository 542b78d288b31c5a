"""A test plugin recording Stage.STREAM_END (where plugins settle what a stream reserved)."""

from __future__ import annotations

from typing import Any

from router.pipeline import Pipeline, RequestContext, Stage

ENDED: list[str] = []  # the user id of every stream that ran its STREAM_END clean-up


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Appends the caller's user id to ENDED when a stream ends."""

    async def ended(ctx: RequestContext) -> None:
        ENDED.append(ctx.identity.user_id or "")

    pipeline.hook(Stage.STREAM_END, ended)


PLUGIN = "tests.router.plugins.stream_end_probe"
