"""Composition errors: each has a stable Apollo-style code and names its culprits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompositionIssue:
    """One composition problem, e.g. ``INVALID_FIELD_SHARING`` on ``User.name``."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class CompositionError(Exception):
    """Raised when subgraphs cannot be composed; ``issues`` lists every problem found."""

    def __init__(self, issues: list[CompositionIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    @property
    def codes(self) -> list[str]:
        """The codes of all issues, in report order."""
        return [issue.code for issue in self.issues]
