"""The one error type the pure core raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DomainError(Exception):
    """A rule was broken. ``code`` names the rule; the app layer turns it into a message.

    Keeping messages out of the core lets the same rule speak Finnish, Swedish or
    English depending on who broke it.
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code
