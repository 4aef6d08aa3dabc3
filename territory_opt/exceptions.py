"""Exceptions raised by territory_opt.

Every error that is the user's input's fault subclasses :class:`ValueError` and says
what to change. Errors carry structured details (``problems`` / ``diagnosis``) so a
CLI or notebook can show them as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "InfeasibleError",
    "Problem",
    "SolverError",
    "TerritoryError",
    "ValidationError",
]


class TerritoryError(Exception):
    """Base class of every territory_opt error."""


@dataclass(frozen=True)
class Problem:
    """One problem found in the input.

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

    def __init__(self, problems: Sequence[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("input", "-", problems, "see the message")]
        self.problems: tuple[Problem, ...] = tuple(problems)
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
