"""The introspection switch: ``__schema`` and ``__type`` only where allowed.

Config section ``plugins.introspection``::

    introspection:
      enabled: null   # null (default): allowed in development mode, refused in production

``__typename`` is always allowed (clients and caches need it). Refusal answers
INTROSPECTION_DISABLED before any planning.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from router.pipeline import Pipeline, RequestContext, RequestError, Stage
from router.plugins._edge import fields_of, fragments_of, load_settings

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class IntrospectionSettings(BaseModel):
    """The ``plugins.introspection`` section."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Refuses introspection queries unless enabled (by default: in development mode)."""
    config = load_settings(IntrospectionSettings, "introspection", settings)
    enabled = pipeline.development if config.enabled is None else config.enabled
    if enabled:
        return

    async def refuse_introspection(ctx: RequestContext) -> None:
        prepared = ctx.prepared
        assert prepared is not None
        if prepared.kind != "query":
            return  # __schema/__type exist only on the query root
        # Root fields with fragments expanded: a spread cannot hide __schema.
        fields = fields_of(prepared.operation.selection_set, fragments_of(prepared))
        if any(f.name.value in INTROSPECTION_FIELDS for f in fields):
            raise RequestError(
                "GraphQL introspection is not allowed by this router.",
                400,
                code="INTROSPECTION_DISABLED",
            )

    pipeline.hook(Stage.OPERATION_VALIDATED, refuse_introspection)
