"""The solve pipeline: warm start, MILP, connectivity cuts, polish, and infeasibility diagnosis.

May import: ``heuristics``, ``milp``, ``plan``, ``problem``, ``graph``, ``data``, ``exceptions``.
"""

from .bounds import (
    BoundScope,
    Settled,
    best,
    problem_floor,
    restriction,
    settle,
)
from .budget import Budget
from .pipeline import (
    SOLVERS,
    dense_blockers,
    diagnose,
    optimize,
    precheck,
    solve_model,
)
from .progress import (
    ProgressEvent,
    Reporter,
)
from .tolerance import (
    ToleranceFinding,
    explain_balance,
    min_feasible_tolerance,
)

__all__ = [
    "SOLVERS",
    "BoundScope",
    "Budget",
    "ProgressEvent",
    "Reporter",
    "Settled",
    "ToleranceFinding",
    "best",
    "dense_blockers",
    "diagnose",
    "explain_balance",
    "min_feasible_tolerance",
    "optimize",
    "precheck",
    "problem_floor",
    "restriction",
    "settle",
    "solve_model",
]
