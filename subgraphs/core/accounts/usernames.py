"""Username rules: 3-30 letters, digits, `_` or `-`; unique regardless of case."""

from __future__ import annotations

import re

MIN_LENGTH, MAX_LENGTH = 3, 30
ALLOWED = re.compile(r"^[A-Za-z0-9_-]+$")
# Names that would read as the platform speaking, or clash with routes of the web app.
RESERVED = frozenset({"admin", "administrator", "root", "system", "mateway", "support", "api"})


def normalise_username(username: str) -> str:
    """The stored form: trimmed, lower case (so `Ann` and `ann` are the same name)."""
    return username.strip().lower()


def username_problem(username: str) -> str | None:
    """Why a username cannot be used by its form alone, or None when the form is fine."""
    name = username.strip()
    if len(name) < MIN_LENGTH:
        return f"Username must be at least {MIN_LENGTH} characters long"
    if len(name) > MAX_LENGTH:
        return f"Username must be at most {MAX_LENGTH} characters long"
    if not ALLOWED.match(name):
        return "Username may contain only letters, digits, '_' and '-'"
    if name.lower() in RESERVED:
        return "This username is reserved"
    return None
