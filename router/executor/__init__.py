"""Plan execution and response shaping.

- ``execute``: ``execute_plan`` / ``execute_node`` run a ``QueryPlan`` into merged data + errors
  (``fetch`` runs one FetchNode; ``representations`` and ``data`` build, de-duplicate and
  merge entities; ``inflight`` shares identical query fetches in flight at once).
- ``shape``: ``OperationShape``, compiled once per operation (``shape_compile``), shapes the
  merged data per request with generated code (``shape_codegen``) and falls back to a
  path-tracking walker for null propagation and error paths.
- ``introspection``: ``__schema`` / ``__type`` answered by the router from the API schema.
- ``variables``: client variables validated and defaulted against the API schema.
- ``operation``: ``CompiledOperation`` and ``RouterExecutor`` (the pipeline's ``Executor``).
- ``errors``: the error codes the router uses and how subgraph errors are passed on.
"""
