"""Who calls a core resolver, and from which IP.

The router verifies the caller and hands the subgraph an `Identity` (shared.identity); the
subgraph-side check of the internal token puts it in the Strawberry context under
`identity`. The caller's IP, for per-IP throttling, comes under `client_ip` or in the
`x-mateway-client-ip` header that only the router sets (subgraphs are not reachable from
outside). Without either, throttling is per account only.
"""

from __future__ import annotations

from typing import Any

from shared.errors import ErrorCode, MatewayError
from shared.identity import CLIENT_IP_HEADER, CallerKind, Identity

__all__ = ["CLIENT_IP_HEADER", "caller_identity", "client_ip", "signed_in_user", "user_agent"]
MAX_IP_LENGTH = 64


def caller_identity(context: Any) -> Identity:
    """The verified caller in the context, or the anonymous identity."""
    identity = context.get("identity") if isinstance(context, dict) else None
    return identity if isinstance(identity, Identity) else Identity.anonymous()


def signed_in_user(context: Any) -> Identity:
    """The signed-in user; FORBIDDEN for API keys, UNAUTHENTICATED for anyone else."""
    identity = caller_identity(context)
    if identity.kind is CallerKind.API_KEY:
        raise MatewayError(
            ErrorCode.FORBIDDEN, "Only a signed-in person can do this, not an API key"
        )
    if identity.kind is not CallerKind.USER or not identity.user_id:
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    return identity


def client_ip(context: Any) -> str | None:
    """The caller's IP as the router saw it, or None when unknown."""
    if not isinstance(context, dict):
        return None
    ip = context.get("client_ip")
    request = context.get("request")
    if ip is None and request is not None and hasattr(request, "headers"):
        ip = request.headers.get(CLIENT_IP_HEADER)
    return str(ip)[:MAX_IP_LENGTH] if ip else None


def user_agent(context: Any) -> str:
    """The caller's User-Agent header (hashed before it is stored), or empty."""
    request = context.get("request") if isinstance(context, dict) else None
    if request is None or not hasattr(request, "headers"):
        return ""
    return str(request.headers.get("user-agent", ""))[:512]
