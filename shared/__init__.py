"""The Mateway app kit shared by the router and every subgraph (the guide's app_base).

settings        ServiceSettings: environment, .env, YAML for non-secret config
logging         JSON log lines (timestamp, service_name, trace_id, level, message, context)
errors          MatewayError / ErrorCode, GraphQL error formatting, MatewaySchema
health          HealthChecker and the /health endpoint (503 naming what is down)
metrics         Prometheus registry, request metrics, ASGI middleware, /metrics endpoint
tracing         OpenTelemetry provider, spans, W3C trace context in headers
redis           async Redis client factory and health check
celery_app      Celery app factory, IdempotentTask, worker health check
celery_tracing  trace context carried from publishers into Celery tasks
circuit_breaker per-target circuit breakers (closed, open, half-open)
directus        async Directus client, backup and restore
identity        Identity, Role, CallerKind: the verified caller the router hands to subgraphs
auth            access and internal tokens, API keys, revocation (docs/identity.md)
"""
