"""The territory problem: units, reps, measures, balance, budgets, contiguity, and their checks.

May import: ``graph``, ``data``, ``exceptions``.
"""

from .objective import (
    OBJECTIVE_NAMES,
    Objective,
    objective_matrix,
    parse_objective,
)
from .territory_problem import (
    Balance,
    ContiguityMode,
    TerritoryProblem,
)

__all__ = [
    "OBJECTIVE_NAMES",
    "Balance",
    "ContiguityMode",
    "Objective",
    "TerritoryProblem",
    "objective_matrix",
    "parse_objective",
]
