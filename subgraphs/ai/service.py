"""One streamed reply: history, preprocessing, the model with tools, storage, usage.

`Reply.events()` is what the `aiChat` subscription yields. A cancel (`cancelReply` in core,
heard through `cancel_hub` on core's channels) stops the provider stream; what was already
generated is stored (status `cancelled`) and only the tokens used are reported.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import strawberry

from shared.auth.keys import keys_from_settings
from shared.errors import ErrorCode, MatewayError
from shared.identity import Identity
from subgraphs.ai.cancel_hub import StopSignal
from subgraphs.ai.config import ModelConfig
from subgraphs.ai.history import ReplyContext, store_reply
from subgraphs.ai.preprocess_step import moderation_configured, preprocessing_event
from subgraphs.ai.providers.base import (
    ChatMessage,
    ChatRequest,
    Finished,
    ProviderError,
    TextDelta,
    ToolCall,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
)
from subgraphs.ai.pump import StreamPump
from subgraphs.ai.runtime import AiRuntime
from subgraphs.ai.tools import Tool, delegated_token, run_tool
from subgraphs.ai.types import (
    AiChatEvent,
    PreprocessingEvent,
    ReplyFinishedEvent,
    ReplyUsage,
    TextDeltaEvent,
    ToolCallFinishedEvent,
    ToolCallStartedEvent,
)
from subgraphs.core.chats.service import ChatService

Report = Callable[[int, int], None]  # (credits used so far, tokens so far)


@dataclass
class Tally:
    """Tokens and credits of a reply across its model steps."""

    input_tokens: int = 0
    output_tokens: int = 0
    credits: int = 0
    model: ModelConfig | None = None
    tool_calls: int = 0
    text: list[str] = field(default_factory=list)

    def add(self, model: ModelConfig | None, usage: Usage) -> None:
        """Count one model step's usage (priced by the model that answered)."""
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        if model is not None:
            self.model = model
            self.credits += model.credits(usage.input_tokens, usage.output_tokens)

    def as_usage(self) -> ReplyUsage:
        """The final event's usage."""
        model = self.model.id if self.model else None
        return ReplyUsage(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            credits=self.credits,
            model=model,
            tool_calls=self.tool_calls,
        )


def estimated_usage(messages: tuple[ChatMessage, ...], text: str) -> Usage:
    """Tokens of a step the provider never reported (cut short): about 4 characters a token."""
    prompt = sum(len(m.content) for m in messages)
    return Usage(input_tokens=prompt // 4 + 1, output_tokens=len(text) // 4 + 1)


@dataclass
class Step:
    """What one model call produced."""

    text: str = ""
    calls: list[ToolCallFinished] = field(default_factory=list)
    usage: Usage | None = None
    finished: bool = False


class Reply:
    """The reply of a mate to one user message, as a stream of events."""

    def __init__(
        self,
        runtime: AiRuntime,
        identity: Identity,
        chats: ChatService,
        context: ReplyContext,
        message_id: str,
        report: Report,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.identity = identity
        self.chats = chats
        self.context = context
        self.message_id = message_id
        self.report = report
        self.tally = Tally()
        self._results: dict[str, str] = {}
        self._preprocessing: asyncio.Task[PreprocessingEvent | None] | None = None
        self._preprocessing_started = False
        self._gated = False  # a moderator's verdict comes before any text
        self._flagged = False
        self.tools = {
            tool.skill.field_name: tool
            for tool in runtime.tools().offered(identity, context.mate.allowed_apps)
        }
        self.router = runtime.model_router()  # AI_NOT_CONFIGURED before anything streams

    async def events(self) -> AsyncIterator[AiChatEvent]:
        """Preprocessing, then the model's text and tool calls, then the stored message."""
        # With a moderator, preprocessing runs while the model is first asked and no text
        # is sent before its verdict. Without one it starts once the first text is out, so
        # its CPU work never delays the first token; its event follows when ready.
        self._gated = moderation_configured()
        if self._gated:
            self._start_preprocessing()
        try:
            async for event in self._events():
                yield event
        finally:
            if self._preprocessing is not None:
                self._preprocessing.cancel()

    async def _events(self) -> AsyncIterator[AiChatEvent]:
        messages = (
            ChatMessage("system", self.context.mate.system_prompt),
            *self.context.history,
        )
        status = "done"
        async with self.runtime.cancel_hub.watch(self.chats.redis, self.message_id) as stop:
            for step_number in range(self.settings.max_tool_steps + 1):
                offer = step_number < self.settings.max_tool_steps
                step = Step()
                async for event in self._step(messages, offer, stop, step):
                    yield event
                if self._flagged:
                    status = "flagged"
                    break
                if not step.finished:
                    status = "cancelled" if stop.is_set() else "failed"
                    break
                if not step.calls or not offer:
                    break  # the last step was offered no tools: calls it makes anyway are not run
                async for event in self._run_tools(step, stop):
                    yield event
                messages = (*messages, *self._tool_messages(step))
        text = "".join(self.tally.text)
        stored = await store_reply(self.chats, self.context.chat, text, status)
        self.report(self.tally.credits, self.tally.input_tokens + self.tally.output_tokens)
        yield ReplyFinishedEvent(
            message_id=strawberry.ID(stored), status=status, usage=self.tally.as_usage()
        )

    async def _step(
        self, messages: tuple[ChatMessage, ...], offer: bool, stop: StopSignal, step: Step
    ) -> AsyncIterator[AiChatEvent]:
        specs = tuple(tool.spec for tool in self.tools.values()) if offer else ()
        request = ChatRequest(
            model="", messages=messages, tools=specs, max_tokens=self.settings.max_reply_tokens
        )
        routed = self.router.stream(self.context.mate.preferred_model, request)
        pump = StreamPump(routed, self.settings.delta_window_ms / 1000)
        unwatch = stop.on_set(pump.stop)
        try:
            found = await self._preprocessed(wait=self._gated)
            if found is not None:
                yield found
            if self._flagged:
                return  # the moderator flagged the message: the model's answer is not sent
            async for batch in pump.batches():
                for event in batch:
                    if isinstance(event, TextDelta):
                        step.text += event.text
                        self.tally.text.append(event.text)
                        yield TextDeltaEvent(text=event.text)
                    elif isinstance(event, ToolCallStarted):
                        yield ToolCallStartedEvent(call_id=event.id, name=event.name)
                    elif isinstance(event, ToolCallFinished):
                        step.calls.append(event)
                    elif isinstance(event, Usage):
                        step.usage = event
                    elif isinstance(event, Finished):
                        step.finished = True
                self._report_running(messages, step, routed.model)
                self._start_preprocessing()
                found = await self._preprocessed(wait=False)
                if found is not None:
                    yield found
            self._start_preprocessing()
            found = await self._preprocessed(wait=True)
            if found is not None:
                yield found
        finally:
            unwatch()
            await pump.aclose()
        self.tally.add(routed.model, step.usage or estimated_usage(messages, step.text))
        if pump.error is not None and not pump.cancelled:
            self._fail(pump.error, emitted=bool(step.text or step.calls))

    def _start_preprocessing(self) -> None:
        """Start preprocessing the user's message (once per reply)."""
        if not self._preprocessing_started:
            self._preprocessing_started = True
            self._preprocessing = asyncio.create_task(preprocessing_event(self.context.user_text))

    async def _preprocessed(self, *, wait: bool) -> PreprocessingEvent | None:
        """The preprocessing event, once: when it has finished, or after `wait`ing for it."""
        task = self._preprocessing
        if task is None or not (wait or task.done()):
            return None
        self._preprocessing = None
        found = await task
        self._flagged = found is not None and found.flagged
        return found

    def _report_running(
        self, messages: tuple[ChatMessage, ...], step: Step, model: ModelConfig | None
    ) -> None:
        """Report the usage so far, so a stream that ends early settles what it used."""
        usage = step.usage or estimated_usage(messages, step.text)
        partial = model.credits(usage.input_tokens, usage.output_tokens) if model else 0
        tokens = self.tally.input_tokens + self.tally.output_tokens
        self.report(self.tally.credits + partial, tokens + usage.input_tokens + usage.output_tokens)

    def _fail(self, error: BaseException, *, emitted: bool) -> None:
        if emitted:
            return  # keep what was said; the reply is stored as failed
        if isinstance(error, MatewayError):
            raise error
        if isinstance(error, ProviderError):
            extra = {"retryAfter": error.retry_after} if error.retry_after is not None else {}
            raise MatewayError(
                ErrorCode.UNAVAILABLE, "No AI model could answer right now; try again.", **extra
            ) from error
        raise error

    async def _run_tools(self, step: Step, stop: StopSignal) -> AsyncIterator[AiChatEvent]:
        keys = keys_from_settings(self.settings)
        token = delegated_token(self.identity, keys, self.settings.delegated_token_seconds)
        http = self.runtime.router_http()
        for call in step.calls:
            if stop.is_set():
                return
            tool: Tool | None = self.tools.get(call.name)
            self.tally.tool_calls += 1
            if tool is None:
                ok, result = False, json.dumps({"error": f"unknown tool {call.name}"})
            else:
                url = self.settings.router_url
                ok, result = await run_tool(http, url, token, tool, call.arguments)
            self._results[call.id] = result
            yield ToolCallFinishedEvent(
                call_id=call.id, name=call.name, ok=ok, result=json.loads(result)
            )

    def _tool_messages(self, step: Step) -> list[ChatMessage]:
        calls = tuple(ToolCall(c.id, c.name, c.arguments) for c in step.calls)
        out = [ChatMessage("assistant", step.text, tool_calls=calls)]
        for call in step.calls:
            result = self._results.get(call.id, json.dumps({"error": "not run (cancelled)"}))
            out.append(ChatMessage("tool", result, tool_call_id=call.id, name=call.name))
        return out
