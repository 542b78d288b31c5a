"""The platform's own Directus service user, separate from Directus's human admin.

The platform talks to Directus with this user's static token, so the Directus admin's
password and token can be rotated (or the admin removed) without touching the platform.
Its role has an admin-access policy because backup and restore need `/schema/*`, which
Directus allows to admins only.
"""

from __future__ import annotations

from typing import Any

from shared.directus.admin_api import AdminApi

PLATFORM_ROLE = "Mateway platform"
PLATFORM_EMAIL = "platform@mateway.example.com"


def _find_one(api: AdminApi, path: str, key: str, value: str) -> dict[str, Any] | None:
    rows = api.data("GET", path, params={f"filter[{key}][_eq]": value, "limit": 1})
    return rows[0] if rows else None


def ensure_platform_role(api: AdminApi) -> str:
    """The id of the platform's role, creating it and its admin-access policy if missing."""
    role = _find_one(api, "/roles", "name", PLATFORM_ROLE)
    if role is not None:
        return str(role["id"])
    policy = api.data(
        "POST",
        "/policies",
        json={
            "name": PLATFORM_ROLE,
            "icon": "smart_toy",
            "description": "Service access of the Mateway platform",
            "admin_access": True,
            "app_access": False,
        },
    )
    created = api.data(
        "POST",
        "/roles",
        json={"name": PLATFORM_ROLE, "icon": "smart_toy", "policies": [{"policy": policy["id"]}]},
    )
    return str(created["id"])


def provision_platform_user(url: str, admin_token: str, platform_token: str) -> str:
    """Make sure the platform service user exists with `platform_token`; return its id."""
    with AdminApi(url, admin_token) as api:
        role_id = ensure_platform_role(api)
        user = _find_one(api, "/users", "email", PLATFORM_EMAIL)
        if user is None:
            created = api.data(
                "POST",
                "/users",
                json={
                    "email": PLATFORM_EMAIL,
                    "first_name": "Mateway",
                    "last_name": "platform",
                    "role": role_id,
                    "token": platform_token,
                    "status": "active",
                },
            )
            return str(created["id"])
        # Directus never returns a static token, so set it again: it is cheap and idempotent.
        api.data("PATCH", f"/users/{user['id']}", json={"token": platform_token, "role": role_id})
        return str(user["id"])
