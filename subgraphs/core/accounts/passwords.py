"""Password rules and argon2id hashing (our own, not Directus's: see the README).

Parameters are OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): about 20-40 ms here,
which keeps login fast on small servers while a stolen hash still costs an attacker memory.
Hashing runs in a worker thread so the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256  # longer input is refused before hashing, so it cannot cost CPU
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when no account matches, so unknown accounts take as long as known ones.
_DUMMY_HASH = HASHER.hash("not a password of anyone: only for equal timing")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problems(password: str, username: str) -> list[str]:
    """What is wrong with a new password (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be at most {MAX_LENGTH} characters long")
    if password.lower() in common_passwords():
        problems.append("Password is too common; choose one that is not on lists of leaked ones")
    if username and username.lower() in password.lower():
        problems.append("Password must not contain the username")
    return problems


async def hash_password(password: str) -> str:
    """The argon2id hash (PHC string) of a password."""
    return await asyncio.to_thread(HASHER.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; with no stored hash, a dummy check, then False."""
    if len(password) > MAX_LENGTH:
        await asyncio.to_thread(_verify, None, "")
        return False
    return await asyncio.to_thread(_verify, stored, password)
