"""One ``FetchNode``: call the subgraph, merge its data, re-path its errors."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from router.executor.data import (
    JSONObject,
    PossibleTypes,
    apply_value_setters,
    collect_object_paths,
    collect_objects,
    deep_merge,
    type_matches,
)
from router.executor.errors import (
    INTERNAL_SERVER_ERROR,
    SUBGRAPH_INVALID_RESPONSE,
    SUBGRAPH_UNAVAILABLE,
    GraphQLErrorDict,
    router_error,
    subgraph_error,
)
from router.executor.fetch_keys import operation_keys
from router.executor.inflight import InflightFetches
from router.executor.representations import collect_representations
from router.planner.nodes import FetchNode
from router.transports import SubgraphError, SubgraphTransport
from router.uploads import find_uploads

FetchObserver = Callable[[str, float, bool], None]
"""Called after each subgraph fetch with (service name, seconds, succeeded)."""


class ExecutionContext:
    """Per-request state shared by the nodes of one plan run."""

    __slots__ = (
        "development",
        "errors",
        "headers",
        "inflight",
        "on_fetch",
        "possible_types",
        "transports",
        "variables",
    )

    def __init__(
        self,
        variables: Mapping[str, Any],
        transports: Mapping[str, SubgraphTransport],
        *,
        possible_types: PossibleTypes,
        headers: dict[str, str] | None = None,
        development: bool = False,
        on_fetch: FetchObserver | None = None,
        errors: list[GraphQLErrorDict] | None = None,
        inflight: InflightFetches | None = None,
    ) -> None:
        self.variables = variables
        self.inflight = inflight
        self.transports = transports
        self.possible_types = possible_types
        self.headers = headers
        self.development = development
        self.on_fetch = on_fetch
        self.errors: list[GraphQLErrorDict] = [] if errors is None else errors


class _FetchFailed(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


async def run_fetch(
    node: FetchNode, data_root: JSONObject, path: Sequence[str], ctx: ExecutionContext
) -> None:
    """Runs one fetch at ``path`` (the enclosing Flatten's path, or the root)."""
    try:
        if node.requires is None:
            await _root_fetch(node, data_root, path, ctx)
        else:
            await _entity_fetch(node, data_root, path, ctx)
    except Exception as exc:  # a router bug must not take the other branches down
        detail = f"{type(exc).__name__}: {exc}"
        error = router_error(
            INTERNAL_SERVER_ERROR,
            None,
            development=ctx.development,
            service=node.service_name,
            detail=detail,
        )
        if ctx.development:
            error["extensions"]["stacktrace"] = traceback.format_exception(exc)
        ctx.errors.append(error)


def _forwarded_variables(node: FetchNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {name: variables[name] for name in node.variable_usages if name in variables}


async def _call(node: FetchNode, variables: dict[str, Any], ctx: ExecutionContext) -> JSONObject:
    transport = ctx.transports.get(node.service_name)
    if transport is None:
        raise _FetchFailed(SUBGRAPH_UNAVAILABLE, f"no transport for subgraph {node.service_name}")
    sent = variables or None
    if sent is not None and node.operation_kind == "mutation" and node.requires is None:
        # A root mutation may carry uploaded files: they go on as a multipart request.
        uploads = find_uploads(sent)
        if uploads:
            return await _send_files(transport, node, sent, uploads, ctx)
    try:
        if ctx.inflight is not None and node.operation_kind == "query":
            key = InflightFetches.key(node.service_name, node.operation, sent, ctx.headers)
            response = await ctx.inflight.fetch(key, lambda: _send(transport, node, sent, ctx))
        else:
            response = await _send(transport, node, sent, ctx)
    except SubgraphError as exc:
        raise _FetchFailed(exc.code or SUBGRAPH_UNAVAILABLE, exc.message) from exc
    except Exception as exc:  # a transport without SubgraphError (tests, custom transports)
        raise _FetchFailed(SUBGRAPH_UNAVAILABLE, f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(response, dict):
        raise _FetchFailed(SUBGRAPH_INVALID_RESPONSE, "response is not a JSON object")
    return response


async def _send_files(
    transport: SubgraphTransport,
    node: FetchNode,
    variables: dict[str, Any],
    uploads: list[Any],
    ctx: ExecutionContext,
) -> JSONObject:
    execute_with_files = getattr(transport, "execute_with_files", None)
    if execute_with_files is None:
        detail = f"the transport of subgraph {node.service_name} cannot forward files"
        raise _FetchFailed(SUBGRAPH_UNAVAILABLE, detail)
    started = time.perf_counter()
    ok = False
    try:
        response = await execute_with_files(
            node.operation, variables, node.operation_name, ctx.headers, uploads
        )
        ok = isinstance(response, dict)
    except SubgraphError as exc:
        raise _FetchFailed(exc.code or SUBGRAPH_UNAVAILABLE, exc.message) from exc
    finally:
        if ctx.on_fetch is not None:
            ctx.on_fetch(node.service_name, time.perf_counter() - started, ok)
    if not ok:
        raise _FetchFailed(SUBGRAPH_INVALID_RESPONSE, "response is not a JSON object")
    result: JSONObject = response
    return result


async def _send(
    transport: SubgraphTransport,
    node: FetchNode,
    variables: dict[str, Any] | None,
    ctx: ExecutionContext,
) -> JSONObject:
    observe = ctx.on_fetch
    if observe is None:
        return await transport.execute(node.operation, variables, node.operation_name, ctx.headers)
    started = time.perf_counter()
    ok = False
    try:
        response = await transport.execute(
            node.operation, variables, node.operation_name, ctx.headers
        )
        ok = isinstance(response, dict)
        return response
    finally:
        observe(node.service_name, time.perf_counter() - started, ok)


async def _root_fetch(
    node: FetchNode, data_root: JSONObject, path: Sequence[str], ctx: ExecutionContext
) -> None:
    targets = collect_objects(data_root, path, ctx.possible_types) if path else [data_root]
    if not targets:
        return
    try:
        response = await _call(node, _forwarded_variables(node, ctx.variables), ctx)
    except _FetchFailed as failed:
        _fail_root_fields(node, data_root, path, targets, failed, ctx)
        return
    data = response.get("data")
    raw_errors = response.get("errors")
    if raw_errors:
        prefixes = _target_paths(data_root, path, targets, ctx) if path else [[]]
        for raw in raw_errors if isinstance(raw_errors, list) else [raw_errors]:
            sub_path = raw.get("path") if isinstance(raw, dict) else None
            if isinstance(sub_path, list):
                for prefix in prefixes:
                    ctx.errors.append(_subgraph_error(raw, prefix + sub_path, node, ctx))
            else:
                ctx.errors.append(_subgraph_error(raw, None, node, ctx))
    if type(data) is dict:
        for target in targets:
            deep_merge(target, data)
    elif data is not None or not raw_errors:
        failure = _FetchFailed(SUBGRAPH_INVALID_RESPONSE, "response has neither data nor errors")
        _fail_root_fields(node, data_root, path, targets, failure, ctx)


def _target_paths(
    data_root: JSONObject, path: Sequence[str], targets: list[JSONObject], ctx: ExecutionContext
) -> list[list[str | int]]:
    by_id = collect_object_paths(data_root, path, ctx.possible_types)
    return [where for target in targets for where in by_id.get(id(target), [])]


def _fail_root_fields(
    node: FetchNode,
    data_root: JSONObject,
    path: Sequence[str],
    targets: list[JSONObject],
    failure: _FetchFailed,
    ctx: ExecutionContext,
) -> None:
    prefixes = _target_paths(data_root, path, targets, ctx) if path else [[]]
    keys = operation_keys(node.operation).root
    for prefix in prefixes:
        for key in keys:
            ctx.errors.append(_failure_error(failure, [*prefix, key], node, ctx))


async def _entity_fetch(
    node: FetchNode, data_root: JSONObject, path: Sequence[str], ctx: ExecutionContext
) -> None:
    assert node.requires is not None
    types = ctx.possible_types
    objects = collect_objects(data_root, path, types)
    representations, sources = collect_representations(
        objects, node.requires, node.input_rewrites, types
    )
    if not representations:
        return
    variables = _forwarded_variables(node, ctx.variables)
    variables["representations"] = representations
    try:
        response = await _call(node, variables, ctx)
    except _FetchFailed as failed:
        _fail_entity_fields(node, data_root, path, sources, failed, ctx)
        return
    data = response.get("data")
    entities = data.get("_entities") if type(data) is dict else None
    raw_errors = response.get("errors")
    if raw_errors:
        _repath_entity_errors(raw_errors, node, data_root, path, sources, ctx)
    if entities is None:
        if not raw_errors:
            failure = _FetchFailed(SUBGRAPH_INVALID_RESPONSE, "response has no _entities")
            _fail_entity_fields(node, data_root, path, sources, failure, ctx)
        return
    if type(entities) is not list or len(entities) != len(representations):
        failure = _FetchFailed(
            SUBGRAPH_INVALID_RESPONSE,
            f"_entities has {len(entities) if type(entities) is list else 'no'} items, "
            f"{len(representations)} expected",
        )
        _fail_entity_fields(node, data_root, path, sources, failure, ctx)
        return
    rewrites = node.output_rewrites
    for entity, targets in zip(entities, sources, strict=True):
        if type(entity) is not dict:
            continue  # a missing entity: its fields stay absent and shape as null
        if rewrites:
            apply_value_setters(entity, rewrites, types)
        for target in targets:
            deep_merge(target, entity)


def _repath_entity_errors(
    raw_errors: Any,
    node: FetchNode,
    data_root: JSONObject,
    path: Sequence[str],
    sources: list[list[JSONObject]],
    ctx: ExecutionContext,
) -> None:
    by_id = collect_object_paths(data_root, path, ctx.possible_types)
    for raw in raw_errors if isinstance(raw_errors, list) else [raw_errors]:
        sub_path = raw.get("path") if isinstance(raw, dict) else None
        index = sub_path[1] if isinstance(sub_path, list) and len(sub_path) >= 2 else None
        if (
            sub_path is None
            or sub_path[0] != "_entities"
            or type(index) is not int
            or not 0 <= index < len(sources)
        ):
            ctx.errors.append(_subgraph_error(raw, None, node, ctx))
            continue
        rest = sub_path[2:]
        for target in _distinct(sources[index]):
            for where in by_id.get(id(target), []):
                ctx.errors.append(_subgraph_error(raw, where + rest, node, ctx))


def _fail_entity_fields(
    node: FetchNode,
    data_root: JSONObject,
    path: Sequence[str],
    sources: list[list[JSONObject]],
    failure: _FetchFailed,
    ctx: ExecutionContext,
) -> None:
    by_id = collect_object_paths(data_root, path, ctx.possible_types)
    keys_by_type = operation_keys(node.operation).entity
    for targets in sources:
        for target in _distinct(targets):
            typename = target.get("__typename")
            keys = [
                key
                for condition, condition_keys in keys_by_type
                if condition is None or type_matches(typename, condition, ctx.possible_types)
                for key in condition_keys
            ]
            for where in by_id.get(id(target), []):
                for key in dict.fromkeys(keys):
                    ctx.errors.append(_failure_error(failure, [*where, key], node, ctx))


def _distinct(objects: list[JSONObject]) -> list[JSONObject]:
    """Objects without repeats (one object reached through two paths is listed twice)."""
    return list({id(obj): obj for obj in objects}.values())


def _subgraph_error(
    raw: Any, path: list[Any] | None, node: FetchNode, ctx: ExecutionContext
) -> GraphQLErrorDict:
    return subgraph_error(raw, path, service=node.service_name, development=ctx.development)


def _failure_error(
    failure: _FetchFailed, path: list[str | int], node: FetchNode, ctx: ExecutionContext
) -> GraphQLErrorDict:
    return router_error(
        failure.code,
        path,
        development=ctx.development,
        service=node.service_name,
        detail=failure.detail,
    )
