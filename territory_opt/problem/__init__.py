"""The territory problem: units, reps, measures, balance, budgets, contiguity, and their checks.

May import: ``graph``, ``data``, ``exceptions``.
"""

from .objective import (
    OBJECTIVE_NAMES,
    Objective,
    objective_matrix,
    parse_objective,
)
from .settings import (
    SETTINGS,
    ProblemSettings,
)
from .territory_problem import (
    Balance,
    ContiguityMode,
    TerritoryProblem,
)

__all__ = [
    "OBJECTIVE_NAMES",
    "SETTINGS",
    "Balance",
    "ContiguityMode",
    "Objective",
    "ProblemSettings",
    "TerritoryProblem",
    "objective_matrix",
    "parse_objective",
]
