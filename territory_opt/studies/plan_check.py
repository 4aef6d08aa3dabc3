"""A plan measured against a fixed-centre problem: kept for its old import path.

The evaluation lives in :mod:`territory_opt.plan.evaluation` (one evaluation of a plan:
assignment, balance, disruption, contiguity, objective).
"""

from __future__ import annotations

from ..plan.evaluation import (
    PlanCheck,
    assignment_columns,
    check_plan,
    column_loads,
    plan_objective,
)

__all__ = [
    "PlanCheck",
    "check_plan",
    "plan_objective",
]

# old private names, used by decompose and seam_repair before the move
_columns_of = assignment_columns
_loads = column_loads
