"""How a subgraph tells the router what a `@credits` field actually used.

The router reserves a field's `@credits(cost:)` before calling the subgraph and settles
from the response's `extensions.credits`, keyed by the field's response key:

    {"data": {...}, "extensions": {"credits": {"reply": {"used": 7, "tokens": 1830}}}}

A subscription reports on its events; the last report before the stream ends counts, so
report the running total. A field that reports nothing is charged its declared cost when it
succeeds and nothing when it fails. The router's request id arrives in the
`x-mateway-request-id` header (for charging tool calls as children of the request).

```python
schema = MatewaySchema(query=Query, mutation=Mutation, extensions=[CreditsReport])

@strawberry.mutation(directives=[Credits(cost=10)])
async def reply(self, info: strawberry.Info) -> str:
    report_usage(info, used=7, tokens=1830)
```
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension

REQUEST_ID_HEADER = "x-mateway-request-id"
EXTENSION_KEY = "credits"
_CONTEXT_KEY = "mateway.credits"


def _reports(context: Any) -> dict[str, dict[str, Any]]:
    if isinstance(context, dict):
        found = context.setdefault(_CONTEXT_KEY, {})
    else:
        found = getattr(context, "credits_reports", None)
        if found is None:
            found = {}
            context.credits_reports = found
    assert isinstance(found, dict)
    return found


def report_usage(info: strawberry.Info, used: int, tokens: int | None = None) -> None:
    """Records the credits (and tokens) the field being resolved used so far."""
    report: dict[str, Any] = {"used": int(used)}
    if tokens is not None:
        report["tokens"] = int(tokens)
    _reports(info.context)[str(info.path.key)] = report


def request_id(info: strawberry.Info) -> str | None:
    """The router's request id for this call, if the router sent one."""
    context = info.context
    request = context.get("request") if isinstance(context, dict) else None
    request = request or getattr(context, "request", None)
    headers = getattr(request, "headers", None)
    value = headers.get(REQUEST_ID_HEADER) if headers is not None else None
    return value if isinstance(value, str) else None


class CreditsReport(SchemaExtension):
    """Adds the reports of `report_usage` to the response's `extensions.credits`."""

    def get_results(self) -> dict[str, Any]:
        """The reports made while executing this operation (or this subscription event)."""
        context = self.execution_context.context
        if context is None:
            return {}
        reports = _reports(context)
        return {EXTENSION_KEY: dict(reports)} if reports else {}
