"""Generates a Python function per compiled shape: the per-request fast path of shaping.

The generated code builds each output object as one dict literal in request
order and only checks what can fail (nulls in non-null positions, wrong JSON
types). It tracks no paths and reports no errors: on any such failure it raises
``Fallback`` and the caller re-shapes with the interpreting walker in shape.py,
which produces the spec's null propagation and error paths. Responses without
violations, the usual case, never pay for that machinery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from router.executor.shape_compile import INTROSPECTION, LEAF, LIST, OBJECT, TYPENAME, Entry, Shape

FastShaper = Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]


class Fallback(Exception):
    """The fast path met a null or a value it cannot shape without reporting an error."""


def _fail(_: Any = None) -> Any:
    raise Fallback


class _Generator:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[int, str] = {}
        self.namespace: dict[str, Any] = {"Fallback": Fallback, "fail": _fail}
        # Dispatch tables of abstract types: table name -> (typename -> function name, default).
        self.tables: dict[str, tuple[dict[str, str], str]] = {}
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def shape(self, shape: Shape, root: bool = False) -> str:
        """The name of the function shaping an object with ``shape``."""
        known = self.names.get(id(shape))
        if known is not None and not root:
            return known
        fields, by_type, default = shape
        if fields is not None:
            name = self.entries(fields, root)
        else:
            table = {typename: self.entries(entries, root) for typename, entries in by_type.items()}
            name = self.fresh("a")
            table_name, default_name = f"{name}_types", f"{name}_default"
            self.tables[table_name] = (table, self.entries(default, root))
            arguments = "obj, intro" if root else "obj"
            self.lines += [
                f"def {name}({arguments}):",
                f"    return {table_name}.get(obj.get('__typename'), {default_name})({arguments})",
            ]
        if not root:
            self.names[id(shape)] = name
        return name

    def entries(self, entries: tuple[Entry, ...], root: bool) -> str:
        name = self.fresh("o")
        body: list[str] = ["    get = obj.get"]
        items: list[str] = []
        for index, (key, kind, nullable, payload, _) in enumerate(entries):
            quoted = repr(key)
            variable = f"v{index}"
            if kind == TYPENAME:
                value = (
                    repr(payload) if payload is not None else f"get('__typename', get({quoted}))"
                )
                items.append(f"{quoted}: {value}")
                continue
            source = f"intro.get({quoted})" if kind == INTROSPECTION else f"get({quoted})"
            if kind == INTROSPECTION or (kind == LEAF and nullable):
                if nullable:
                    items.append(f"{quoted}: {source}")
                    continue
                body += [f"    {variable} = {source}", f"    if {variable} is None: raise Fallback"]
            elif kind == LEAF:
                body += [f"    {variable} = {source}", f"    if {variable} is None: raise Fallback"]
            else:
                body.append(f"    {variable} = {source}")
                call = self.value(kind, payload, variable)
                if nullable:
                    body.append(f"    if {variable} is not None: {variable} = {call}")
                else:
                    body.append(f"    {variable} = {call}")
            items.append(f"{quoted}: {variable}")
        arguments = "obj, intro" if root else "obj"
        self.lines.append(f"def {name}({arguments}):")
        self.lines += body
        self.lines.append("    return {" + ", ".join(items) + "}")
        return name

    def value(self, kind: int, payload: Any, variable: str) -> str:
        """An expression shaping a non-null ``variable`` of ``kind`` (fails on a wrong type)."""
        if kind == OBJECT:
            function = self.shape(payload)
            return f"{function}({variable}) if type({variable}) is dict else fail()"
        assert kind == LIST
        return f"{self.list_function(payload)}({variable}) if type({variable}) is list else fail()"

    def list_function(self, item: tuple[int, bool, Any, str]) -> str:
        item_kind, item_nullable, item_payload, _ = item
        name = self.fresh("l")
        if item_kind == LEAF:
            check = "" if item_nullable else "    if None in value: raise Fallback\n"
            self.lines.append(f"def {name}(value):\n{check}    return value")
            return name
        shaped = self.value(item_kind, item_payload, "e")
        if item_nullable:
            shaped = f"None if e is None else ({shaped})"
        self.lines.append(f"def {name}(value):\n    return [{shaped} for e in value]")
        return name


def generate_fast_shaper(root: Shape) -> FastShaper:
    """A function shaping merged data with ``root``; raises ``Fallback`` on any violation."""
    generator = _Generator()
    entry = generator.shape(root, root=True)
    source = "\n".join(generator.lines)
    namespace = generator.namespace
    exec(compile(source, "<response shape>", "exec"), namespace)  # our own generated code
    for table_name, (table, default) in generator.tables.items():
        # Filled after exec: the functions exist only then; looked up at call time.
        namespace[table_name] = {typename: namespace[f] for typename, f in table.items()}
        namespace[table_name.removesuffix("_types") + "_default"] = namespace[default]
    shaper: FastShaper = namespace[entry]
    return shaper
