"""Small helpers for the problem's input errors (one :class:`InputIssue` per finding)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from ..exceptions import InputIssue, ValidationError

__all__ = ["few", "refuse"]


def few(items: Sequence[Any], k: int = 5) -> str:
    """The first ``k`` items joined by commas, with ``...`` when there are more."""
    s = ", ".join(map(str, list(items)[:k]))
    return s + (", ..." if len(items) > k else "")


def refuse(where: str, item: str, message: str, fix: str) -> NoReturn:
    """Raise a :class:`ValidationError` holding one :class:`InputIssue`."""
    raise ValidationError([InputIssue(where, item, message, fix)])
