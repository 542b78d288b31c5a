"""Query plans as Apollo-like text and as JSON-able dicts."""

from __future__ import annotations

from typing import Any

from graphql import parse, print_ast

from router.planner.nodes import (
    ConditionNode,
    FetchNode,
    FieldSelection,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    Selection,
    SequenceNode,
    SubscriptionNode,
    ValueSetter,
)

_INDENT = "  "


def plan_to_text(plan: QueryPlan) -> str:
    """``QueryPlan { Sequence { Fetch(service: "x") { ... } ... } }``, indented."""
    lines = ["QueryPlan {"]
    if plan.node is not None:
        _node_text(plan.node, 1, lines)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_text(node: PlanNode, depth: int, lines: list[str]) -> None:
    pad = _INDENT * depth
    if isinstance(node, FetchNode):
        _fetch_text(node, depth, lines)
    elif isinstance(node, FlattenNode):
        lines.append(f'{pad}Flatten(path: "{".".join(node.path)}") {{')
        _fetch_text(node.node, depth + 1, lines)
        lines.append(pad + "},")
    elif isinstance(node, SequenceNode | ParallelNode):
        lines.append(f"{pad}{node.kind} {{")
        for child in node.nodes:
            _node_text(child, depth + 1, lines)
        lines.append(pad + "},")
    elif isinstance(node, ConditionNode):
        _condition_text(node, depth, lines)
    else:
        lines.append(pad + "Subscription {")
        lines.append(pad + _INDENT + "Primary: {")
        _fetch_text(node.primary, depth + 2, lines)
        lines.append(pad + _INDENT + "},")
        if node.rest is not None:
            lines.append(pad + _INDENT + "Rest: {")
            _node_text(node.rest, depth + 2, lines)
            lines.append(pad + _INDENT + "},")
        lines.append(pad + "},")


def _condition_text(node: ConditionNode, depth: int, lines: list[str]) -> None:
    pad = _INDENT * depth
    if node.if_clause is not None and node.else_clause is None:
        lines.append(f"{pad}Include(if: ${node.condition}) {{")
        _node_text(node.if_clause, depth + 1, lines)
    elif node.else_clause is not None and node.if_clause is None:
        lines.append(f"{pad}Skip(if: ${node.condition}) {{")
        _node_text(node.else_clause, depth + 1, lines)
    else:
        lines.append(f"{pad}Condition(if: ${node.condition}) {{")
        for label, clause in (("Then", node.if_clause), ("Else", node.else_clause)):
            if clause is not None:
                lines.append(f"{pad}{_INDENT}{label} {{")
                _node_text(clause, depth + 2, lines)
                lines.append(f"{pad}{_INDENT}}},")
    lines.append(pad + "},")


def _fetch_text(node: FetchNode, depth: int, lines: list[str]) -> None:
    pad = _INDENT * depth
    lines.append(f'{pad}Fetch(service: "{node.service_name}") {{')
    inner = pad + _INDENT
    for rewrite in node.input_rewrites:
        lines.append(f"{inner}rewrite({'.'.join(rewrite.path)} = {rewrite.set_value_to!r})")
    if node.requires is not None:
        lines.append(inner + "{")
        _requires_text(node.requires, depth + 2, lines)
        lines.append(inner + "} =>")
    lines.extend(inner + line for line in _pretty(node.operation).splitlines())
    lines.append(pad + "},")


def _requires_text(selections: tuple[Selection, ...], depth: int, lines: list[str]) -> None:
    pad = _INDENT * depth
    for sel in selections:
        if isinstance(sel, FieldSelection):
            head = f"{sel.alias}:{sel.name}" if sel.alias else sel.name
            if sel.selections:
                lines.append(f"{pad}{head} {{")
                _requires_text(sel.selections, depth + 1, lines)
                lines.append(pad + "}")
            else:
                lines.append(pad + head)
        else:
            lines.append(f"{pad}... on {sel.type_condition} {{")
            _requires_text(sel.selections, depth + 1, lines)
            lines.append(pad + "}")


def _pretty(operation: str) -> str:
    return print_ast(parse(operation, no_location=True))


def plan_to_dict(plan: QueryPlan) -> dict[str, Any]:
    """The plan in Apollo's JSON shape (camelCase keys, ``kind`` on every node)."""
    return {"kind": "QueryPlan", "node": node_to_dict(plan.node) if plan.node else None}


def node_to_dict(node: PlanNode) -> dict[str, Any]:
    """One plan node as a JSON-able dict."""
    if isinstance(node, FetchNode):
        out: dict[str, Any] = {
            "kind": "Fetch",
            "serviceName": node.service_name,
            "variableUsages": list(node.variable_usages),
            "operation": node.operation,
            "operationKind": node.operation_kind,
            "operationName": node.operation_name,
        }
        if node.requires is not None:
            out["requires"] = [_selection_dict(s) for s in node.requires]
        if node.input_rewrites:
            out["inputRewrites"] = [_setter_dict(s) for s in node.input_rewrites]
        if node.output_rewrites:
            out["outputRewrites"] = [_setter_dict(s) for s in node.output_rewrites]
        return out
    if isinstance(node, FlattenNode):
        return {"kind": "Flatten", "path": list(node.path), "node": node_to_dict(node.node)}
    if isinstance(node, SequenceNode | ParallelNode):
        return {"kind": node.kind, "nodes": [node_to_dict(n) for n in node.nodes]}
    if isinstance(node, ConditionNode):
        return {
            "kind": "Condition",
            "condition": node.condition,
            "ifClause": node_to_dict(node.if_clause) if node.if_clause else None,
            "elseClause": node_to_dict(node.else_clause) if node.else_clause else None,
        }
    assert isinstance(node, SubscriptionNode)
    return {
        "kind": "Subscription",
        "primary": node_to_dict(node.primary),
        "rest": node_to_dict(node.rest) if node.rest else None,
    }


def _selection_dict(sel: Selection) -> dict[str, Any]:
    if isinstance(sel, FieldSelection):
        out: dict[str, Any] = {"kind": "Field", "name": sel.name}
        if sel.alias:
            out["alias"] = sel.alias
        if sel.selections:
            out["selections"] = [_selection_dict(s) for s in sel.selections]
        return out
    return {
        "kind": "InlineFragment",
        "typeCondition": sel.type_condition,
        "selections": [_selection_dict(s) for s in sel.selections],
    }


def _setter_dict(setter: ValueSetter) -> dict[str, Any]:
    return {"kind": "ValueSetter", "path": list(setter.path), "setValueTo": setter.set_value_to}
