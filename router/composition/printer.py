"""Print the merged supergraph exactly as Apollo's composition does."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import ValueNode, print_ast

from router.composition.model import Argument, DirectiveDef
from router.composition.supermodel import SArg, SField, SType

INDENT = "  "


def locale_key(name: str) -> tuple[str, str]:
    """Approximates JavaScript `localeCompare`: case-insensitive, `_` first, lowercase first."""
    return name.lower().replace("_", "\x01"), name.swapcase()


def block_string(value: str, prefer_multiple_lines: bool = False) -> str:
    """A `\"\"\"` description the way graphql-js prints it."""
    single_line = "\n" not in value
    leading_space = value[:1] in {" ", "\t"}
    multiple = not single_line or value.endswith('"') or value.endswith("\\")
    multiple = multiple or prefer_multiple_lines
    result = ""
    if multiple and not (single_line and leading_space):
        result += "\n"
    result += value
    if multiple:
        result += "\n"
    return '"""' + result.replace('"""', '\\"""') + '"""'


def description(text: str | None, indentation: str = "", first: bool = True) -> str:
    """A description line (blank line before it when not first in a block)."""
    if text is None:
        return ""
    printed = block_string(text, len(text) > 70)
    prefix = "\n" + indentation if indentation and not first else indentation
    return prefix + printed.replace("\n", "\n" + indentation) + "\n"


def applied_block(directives: Sequence[str], end_with_newline: bool) -> str:
    """Type-level directives, one per line."""
    if not directives:
        return ""
    text = "\n" + INDENT + ("\n" + INDENT).join(directives)
    return text + ("\n" if end_with_newline else "")


def applied_inline(directives: Sequence[str]) -> str:
    return "".join(" " + d for d in directives)


def _default(value: ValueNode | None) -> str:
    return "" if value is None else " = " + print_ast(value)


def print_args(args: Sequence[SArg], indentation: str = "") -> str:
    """`(a: Int = 1)` or the multi-line form when an argument has a description."""
    if not args:
        return ""
    if all(a.description is None for a in args):
        return "(" + ", ".join(_arg(a) for a in args) + ")"
    lines = [
        description(a.description, INDENT + indentation, i == 0) + INDENT + indentation + _arg(a)
        for i, a in enumerate(args)
    ]
    return "(\n" + "\n".join(lines) + "\n" + indentation + ")"


def _arg(arg: SArg) -> str:
    return f"{arg.name}: {arg.type}{_default(arg.default)}{applied_inline(arg.directives)}"


def print_fields(fields: Sequence[SField]) -> str:
    lines = []
    for i, f in enumerate(fields):
        head = f"{f.name}{print_args(list(f.args.values()), INDENT)}: {f.type}{_default(f.default)}"
        lines.append(
            description(f.description, INDENT, i == 0)
            + INDENT
            + head
            + applied_inline(f.directives)
        )
    return "{\n" + "\n".join(lines) + "\n}" if lines else ""


def print_type(stype: SType) -> str:
    """One type definition."""
    head = description(stype.description)
    if stype.kind == "scalar":
        return f"{head}scalar {stype.name}{applied_block(stype.directives, False)}"
    if stype.kind == "union":
        members = " = " + " | ".join(stype.members) if stype.members else ""
        return f"{head}union {stype.name}{applied_block(stype.directives, bool(members))}{members}"
    if stype.kind == "enum":
        values = [
            description(v.description, INDENT, i == 0)
            + INDENT
            + v.name
            + applied_inline(v.directives)
            for i, v in enumerate(stype.values.values())
        ]
        body = "{\n" + "\n".join(values) + "\n}" if values else ""
        sep = " " if not stype.directives and values else ""
        return f"{head}enum {stype.name}{applied_block(stype.directives, bool(values))}{sep}{body}"
    keyword = {"object": "type", "interface": "interface", "input": "input"}[stype.kind]
    implements = " implements " + " & ".join(stype.interfaces) if stype.interfaces else ""
    fields = list(stype.fields.values())
    sep = " " if not stype.directives and fields else ""
    directives = applied_block(stype.directives, bool(fields))
    return f"{head}{keyword} {stype.name}{implements}{directives}{sep}{print_fields(fields)}"


def print_directive_def(definition: DirectiveDef) -> str:
    """A custom directive definition."""
    args = [_as_sarg(a) for a in definition.args.values()]
    repeatable = " repeatable" if definition.repeatable else ""
    locations = " | ".join(definition.locations)
    return (
        f"{description(definition.description)}directive @{definition.name}"
        f"{print_args(args)}{repeatable} on {locations}"
    )


def _as_sarg(arg: Argument) -> SArg:
    return SArg(
        arg.name, arg.type, arg.default, arg.description, [a.printed() for a in arg.directives]
    )


def print_schema_block(links: Sequence[str], roots: Sequence[tuple[str, str]]) -> str:
    entries = "\n".join(f"{INDENT}{op}: {name}" for op, name in roots)
    return "schema" + applied_block(links, True) + "{\n" + entries + "\n}"


def print_supergraph(
    links: Sequence[str],
    roots: Sequence[tuple[str, str]],
    directive_defs: dict[str, str],
    type_defs: dict[str, str],
) -> str:
    """Schema block, then directive definitions, then types, each sorted by name."""
    parts = [print_schema_block(links, roots)]
    parts += [directive_defs[n] for n in sorted(directive_defs, key=locale_key)]
    parts += [type_defs[n] for n in sorted(type_defs, key=locale_key)]
    return "\n\n".join(parts)
