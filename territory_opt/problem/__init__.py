"""The territory problem: units, reps, measures, balance, budgets, contiguity, and their checks.

May import: ``graph``, ``data``, ``exceptions``.
"""

from .territory_problem import (
    Balance,
    ContiguityMode,
    TerritoryProblem,
)

__all__ = [
    "Balance",
    "ContiguityMode",
    "TerritoryProblem",
]
