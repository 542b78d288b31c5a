"""Settings of the ai app (environment `MATEWAY_*`, then app.yml `settings:`)."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class AiSettings(ServiceSettings):
    """How replies are produced: reservation, tool steps, coalescing window, history size."""

    max_tool_steps: int = Field(4, ge=0, le=16)
    delta_window_ms: int = Field(40, ge=0, le=1000)
    history_messages: int = Field(40, ge=1, le=100)
    max_reply_tokens: int = Field(1024, ge=1)
    # Where tool calls reach the router (as the caller); in-process tests swap the transport.
    router_url: str = "http://127.0.0.1:4000/graphql"
    delegated_token_seconds: int = Field(60, ge=5, le=300)
    # A provider of models.yml whose OpenAI-compatible /moderations endpoint checks every
    # message before any text of the reply is sent (None: no moderation).
    moderation_provider: str | None = None
    moderation_model: str = "omni-moderation-latest"
    # Preprocessing's model work (the MiniLM encoder) in one child process per router process,
    # so its CPU and GIL holds do not stall the event loop forwarding tokens (false: a thread).
    preprocessing_child_process: bool = True
