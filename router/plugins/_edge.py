"""What the edge plugins share: settings validation, the caller, and root fields of an operation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from pydantic import BaseModel, ValidationError

from router.pipeline import PreparedOperation, RequestContext
from shared.identity import Identity

SettingsT = TypeVar("SettingsT", bound=BaseModel)


class PluginConfigError(ValueError):
    """A plugin's config section is invalid; raised at startup with the section's name."""


def load_settings(model: type[SettingsT], name: str, settings: dict[str, Any]) -> SettingsT:
    """``settings`` validated as ``model``; PluginConfigError naming ``plugins.<name>``."""
    try:
        return model.model_validate(settings)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or '(section)'}: {item['msg']}"
            for item in error.errors(include_url=False)
        )
        raise PluginConfigError(f"invalid router config plugins.{name}: {details}") from None


def identity_of(ctx: RequestContext) -> Identity:
    """The verified caller set by the identity plugin (anonymous when there is none)."""
    return ctx.identity


def client_ip(ctx: RequestContext, trust_forwarded_for: bool = False) -> str:
    """The caller's IP: the first X-Forwarded-For entry behind a trusted proxy, else the peer."""
    if trust_forwarded_for:
        forwarded = ctx.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return ctx.client_ip or "unknown"


def fragments_of(prepared: PreparedOperation) -> dict[str, FragmentDefinitionNode]:
    """The document's fragment definitions by name."""
    return {
        d.name.value: d
        for d in prepared.document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }


def fields_of(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    """The fields of a selection set with fragments (inline and spread) flattened in."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from fields_of(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # cycles fail validation anyway
                yield from fields_of(fragment.selection_set, fragments, seen | {name})


def root_fields(prepared: PreparedOperation) -> list[str]:
    """The names of the operation's root fields (not aliases), fragments included."""
    fragments = fragments_of(prepared)
    return [f.name.value for f in fields_of(prepared.operation.selection_set, fragments)]
