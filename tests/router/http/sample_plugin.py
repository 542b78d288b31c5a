"""A plugin for the pipeline tests: persisted documents, a gate, a depth limit, subgraph headers."""

from __future__ import annotations

from typing import Any

from router.pipeline import Pipeline, RequestContext, RequestError, Stage


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Hooks one behaviour on each stage, configured by ``settings``."""
    documents: dict[str, str] = settings["documents"]

    async def persisted_documents(ctx: RequestContext) -> None:
        document_id = (ctx.request.extensions or {}).get("documentId")
        if document_id is not None:
            ctx.request.query = documents[document_id]

    async def gate(ctx: RequestContext) -> None:
        if ctx.headers.get("x-blocked"):
            raise RequestError("Blocked", 403, code="FORBIDDEN")

    async def no_mutations(ctx: RequestContext) -> None:
        assert ctx.prepared is not None
        if ctx.prepared.kind == "mutation" and settings.get("read_only"):
            raise RequestError("Read only", 400, code="READ_ONLY")

    async def subgraph_headers(ctx: RequestContext) -> None:
        ctx.subgraph_headers["x-operation"] = ctx.operation_name

    async def answer_from_cache(ctx: RequestContext) -> None:
        if ctx.operation_name == "Cached":
            ctx.response = {"data": {"cached": True}}

    pipeline.hook(Stage.ROUTER_REQUEST, persisted_documents)
    pipeline.hook(Stage.ROUTER_REQUEST, gate)
    pipeline.hook(Stage.OPERATION_VALIDATED, no_mutations)
    pipeline.hook(Stage.PLAN_READY, subgraph_headers)
    pipeline.hook(Stage.PLAN_READY, answer_from_cache)
