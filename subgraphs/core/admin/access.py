"""Who may run admin operations, and cursors of the admin listings."""

from __future__ import annotations

import uuid

from shared.errors import ErrorCode, MatewayError
from shared.identity import CallerKind, Identity, Role
from subgraphs.core.accounts.caller import caller_identity

DEFAULT_PAGE = 20
MAX_PAGE = 100


def require_admin(context: object) -> Identity:
    """The calling admin (a signed-in session); UNAUTHENTICATED or FORBIDDEN otherwise."""
    identity = caller_identity(context)
    if not identity.is_authenticated or not identity.user_id:
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    if identity.kind is not CallerKind.USER or identity.role is not Role.ADMIN:
        raise MatewayError(ErrorCode.FORBIDDEN, "Only platform admins can do this")
    return identity


def page_size(first: int | None) -> int:
    """`first` checked: 1 to MAX_PAGE (default DEFAULT_PAGE)."""
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, f"first must be 1 to {MAX_PAGE}")
    return size


def offset_of(after: str | None) -> int:
    """The offset an `after` cursor names (cursors are offsets of a stable sort)."""
    if after is None:
        return 0
    if not after.isdigit() or len(after) > 9:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "Unknown cursor")
    return int(after)


def uuid_arg(value: object, what: str) -> str:
    """A UUID argument in canonical form; NOT_FOUND when it is not one."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise MatewayError(ErrorCode.NOT_FOUND, f"No such {what}") from None
