"""The result of a solve: an :class:`Alignment` (a plan) and everything measured on it.

May import: ``problem``, ``graph``, ``data``, ``exceptions``.
"""

from .alignment import Alignment
from .evaluation import (
    PlanCheck,
    assignment_columns,
    balance_excess,
    check_plan,
    column_loads,
    disconnected_columns,
    max_deviation_pct,
    plan_disruption,
    plan_objective,
)
from .quality import (
    QUALITY_LABELS,
    plan_quality,
    quality_table,
    territory_shapes,
    travel_summary,
    weighted_quantile,
)
from .report import SolveReport

__all__ = [
    "QUALITY_LABELS",
    "Alignment",
    "PlanCheck",
    "SolveReport",
    "assignment_columns",
    "balance_excess",
    "check_plan",
    "column_loads",
    "disconnected_columns",
    "max_deviation_pct",
    "plan_disruption",
    "plan_objective",
    "plan_quality",
    "quality_table",
    "territory_shapes",
    "travel_summary",
    "weighted_quantile",
]
