"""Exceptions raised by territory_opt.

Every error that is the user's input's fault subclasses :class:`ValueError` and says
what to change. Errors carry structured details (``problems`` / ``diagnosis``) so a
CLI or notebook can show them as a table.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "InfeasibleError",
    "InputIssue",
    "SolverError",
    "TerritoryError",
    "ValidationError",
]


class TerritoryError(Exception):
    """Base class of every territory_opt error."""


@dataclass(frozen=True)
class InputIssue:
    """One problem found in the user's input (a record; not the optimisation problem).

    Formerly ``Problem``; that name still works with a :class:`DeprecationWarning`.

    Parameters
    ----------
    where : str
        The offending item: ``"units"``, ``"reps"``, ``"baseline"``, ``"locks"`` or ``"settings"``.
    item : str
        The id(s) or column at fault, e.g. ``"unit 14118"`` or ``"column 'workload'"``.
    message : str
        What is wrong.
    fix : str
        How to fix it.
    """

    where: str
    item: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"[{self.where}] {self.item}: {self.message} Fix: {self.fix}"


class ValidationError(TerritoryError, ValueError):
    """The input is invalid; ``problems`` lists every problem found, each with its fix."""

    def __init__(self, problems: Sequence[InputIssue] | str):
        if isinstance(problems, str):
            problems = [InputIssue("input", "-", problems, "see the message")]
        self.problems: tuple[InputIssue, ...] = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class InfeasibleError(TerritoryError, ValueError):
    """Hard constraints cannot all be met; ``diagnosis`` says which and by how much."""

    def __init__(self, diagnosis: Sequence[str] | str):
        if isinstance(diagnosis, str):
            diagnosis = [diagnosis]
        self.diagnosis: tuple[str, ...] = tuple(diagnosis)
        super().__init__(
            "No plan can satisfy the hard constraints:\n"
            + "\n".join(f"  - {d}" for d in self.diagnosis)
        )


class SolverError(TerritoryError, RuntimeError):
    """The solver is missing, crashed, or returned something unusable."""


def _problem_alias(module: str) -> type[InputIssue]:
    """``InputIssue`` for the deprecated name ``Problem``, with a :class:`DeprecationWarning`."""
    warnings.warn(
        f"{module}.Problem is deprecated, use {module}.InputIssue (the same record of "
        "one problem found in the input).",
        DeprecationWarning,
        stacklevel=3,
    )
    return InputIssue


def __getattr__(name: str) -> Any:
    if name == "Problem":
        return _problem_alias(__name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
