"""Balanced contiguous plans without a solver proof: construction, local search, recombination.

May import: ``milp``, ``problem``, ``graph``, ``data``, ``exceptions``.
"""

from .build import (
    HeuristicInstance,
    HeuristicResult,
    build_plan,
    choose_centres,
    dense_units,
    is_contiguous,
)
from .free_centres import FreeCentrePlan, plan_free_centres
from .instance import heuristic_instance

__all__ = [
    "FreeCentrePlan",
    "HeuristicInstance",
    "HeuristicResult",
    "build_plan",
    "choose_centres",
    "dense_units",
    "heuristic_instance",
    "is_contiguous",
    "plan_free_centres",
]
