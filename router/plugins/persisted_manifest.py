"""Trusted documents: Apollo's persisted query manifest, loaded, checked, and generated.

Format (``schema/persisted-documents.json``)::

    {"format": "apollo-persisted-query-manifest", "version": 1,
     "operations": [{"id": "<sha256 of body>", "name": "Me", "type": "query", "body": "..."}]}

Generate it from ``.graphql`` files (one entry per operation, with the fragments it uses)::

    python -m router.plugins.persisted_manifest schema/persisted-documents.json ops/*.graphql
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    print_ast,
    validate,
    visit,
)
from graphql.language import Visitor
from pydantic import BaseModel, ConfigDict, ValidationError

FORMAT: Literal["apollo-persisted-query-manifest"] = "apollo-persisted-query-manifest"


class ManifestOperation(BaseModel):
    """One trusted operation of the manifest."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    type: Literal["query", "mutation", "subscription"]
    body: str


class Manifest(BaseModel):
    """Apollo's persisted query manifest, version 1."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["apollo-persisted-query-manifest"]
    version: Literal[1]
    operations: list[ManifestOperation]


class ManifestError(ValueError):
    """The manifest cannot be used: unreadable, malformed, or not valid for the schema."""


@dataclass(frozen=True, slots=True)
class TrustedDocuments:
    """The manifest's bodies by id and by text (a freeform query equal to a body is trusted)."""

    by_id: dict[str, str]
    ids_by_body: dict[str, str]

    @classmethod
    def empty(cls) -> TrustedDocuments:
        """No trusted documents."""
        return cls({}, {})

    def lookup(self, document_id: str) -> str | None:
        """The body of ``document_id`` (also as ``sha256:<id>``, GraphQL-over-HTTP style)."""
        return self.by_id.get(document_id.removeprefix("sha256:"))


def sha256_hex(body: str) -> str:
    """The lower-case hex SHA-256 of a document's text (APQ and manifest ids)."""
    return hashlib.sha256(body.encode()).hexdigest()


def load_manifest(path: Path, schema: GraphQLSchema | None = None) -> TrustedDocuments:
    """The trusted documents of ``path``; ManifestError names the file and the problem."""
    try:
        manifest = Manifest.model_validate(orjson.loads(path.read_bytes()))
    except (OSError, orjson.JSONDecodeError) as error:
        raise ManifestError(f"persisted documents manifest {path}: {error}") from None
    except ValidationError as error:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False)
        )
        raise ManifestError(f"persisted documents manifest {path}: {detail}") from None
    by_id: dict[str, str] = {}
    for operation in manifest.operations:
        if operation.id in by_id:
            raise ManifestError(f"persisted documents manifest {path}: id {operation.id} twice")
        if schema is not None:
            _check_body(path, operation, schema)
        by_id[operation.id] = operation.body
    return TrustedDocuments(by_id, {body: id_ for id_, body in by_id.items()})


def _check_body(path: Path, operation: ManifestOperation, schema: GraphQLSchema) -> None:
    """A trusted document that no longer validates is a startup error, not a runtime one."""
    try:
        messages = [e.message for e in validate(schema, parse(operation.body))]
    except GraphQLError as error:  # a syntax error
        messages = [error.message]
    if messages:
        raise ManifestError(
            f"persisted documents manifest {path}: operation {operation.name} ({operation.id}) "
            f"is not valid for the schema: {'; '.join(messages)}"
        )


def _used_fragments(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    """The fragments ``operation`` spreads, directly or through other fragments, by name."""
    found: dict[str, FragmentDefinitionNode] = {}
    pending: list[OperationDefinitionNode | FragmentDefinitionNode] = [operation]

    class Spreads(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.names: list[str] = []

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
            self.names.append(node.name.value)

    while pending:
        spreads = Spreads()
        visit(pending.pop(), spreads)
        for name in spreads.names:
            if name not in found and name in fragments:
                found[name] = fragments[name]
                pending.append(fragments[name])
    return [found[name] for name in sorted(found)]


def manifest_operations(sources: Iterable[str]) -> list[ManifestOperation]:
    """One manifest entry per named operation in ``sources`` (ids are body hashes)."""
    documents = [parse(source, no_location=True) for source in sources]
    fragments = {
        d.name.value: d
        for doc in documents
        for d in doc.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    entries = []
    for doc in documents:
        for definition in doc.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if definition.name is None:
                raise ManifestError("every trusted operation needs a name")
            used = _used_fragments(definition, fragments)
            body = print_ast(DocumentNode(definitions=(definition, *used)))
            entries.append(
                ManifestOperation(
                    id=sha256_hex(body),
                    name=definition.name.value,
                    type=definition.operation.value,  # type: ignore[arg-type]
                    body=body,
                )
            )
    return sorted(entries, key=lambda e: (e.name, e.id))


def write_manifest(out: Path, sources: Iterable[str]) -> Manifest:
    """Writes the manifest of ``sources`` to ``out`` (stable order, pretty JSON)."""
    manifest = Manifest(format=FORMAT, version=1, operations=manifest_operations(sources))
    out.write_bytes(orjson.dumps(manifest.model_dump(), option=orjson.OPT_INDENT_2) + b"\n")
    return manifest


def main(argv: Sequence[str]) -> int:
    """CLI: ``OUT.json FILE.graphql...``."""
    if len(argv) < 1:
        print("usage: python -m router.plugins.persisted_manifest OUT.json [FILE.graphql...]")
        return 2
    out, *files = argv
    manifest = write_manifest(Path(out), (Path(f).read_text() for f in files))
    print(f"{out}: {len(manifest.operations)} operations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
