"""The scopes an API key may carry: fixed platform scopes plus one ``skills:<app>`` per app."""

from __future__ import annotations

from collections.abc import Collection, Iterable

# Platform scopes; signed-in sessions hold every scope (Identity.has_scopes).
PLATFORM_SCOPES: dict[str, str] = {
    "chats:read": "read the owner's chats and messages",
    "chats:write": "start chats and send messages as the owner",
    "mates:read": "list the owner's mates and collections",
    "mates:write": "create, change and delete the owner's mates and collections",
    "credits:read": "read the owner's credit balance",
}
SKILLS_SCOPE_PREFIX = "skills:"


def skills_scope(app: str) -> str:
    """The scope that lets a key use the skills of `app`."""
    return f"{SKILLS_SCOPE_PREFIX}{app}"


def unknown_scopes(requested: Iterable[str], installed_apps: Collection[str]) -> list[str]:
    """The requested scopes that are neither platform scopes nor skills of an installed app."""
    allowed = set(PLATFORM_SCOPES) | {skills_scope(app) for app in installed_apps}
    return sorted({scope for scope in requested if scope not in allowed})
