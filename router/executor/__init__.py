"""Plan execution and response shaping.

- ``execute.execute_plan`` / ``execute_node``: run a ``QueryPlan`` into merged data + errors.
- ``shape.OperationShape``: compiled once per operation, shapes merged data per request.
- ``introspection.IntrospectionPart``: ``__schema`` / ``__type`` answered by the router.
- ``variables.coerce_variables``: client variables validated and defaulted.
- ``operation.PreparedOperation`` + ``execute_operation``: all of the above in one call.
- ``errors``: the error codes the router uses and how subgraph errors are passed on.
"""
