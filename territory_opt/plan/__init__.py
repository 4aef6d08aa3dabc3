"""The result of a solve: an :class:`Alignment` (a plan) and everything measured on it.

May import: ``problem``, ``graph``, ``data``, ``exceptions``.
"""

from .alignment import (
    Alignment,
    SolveReport,
)
from .quality import (
    QUALITY_LABELS,
    plan_quality,
    quality_table,
    territory_shapes,
    travel_summary,
    weighted_quantile,
)

__all__ = [
    "QUALITY_LABELS",
    "Alignment",
    "SolveReport",
    "plan_quality",
    "quality_table",
    "territory_shapes",
    "travel_summary",
    "weighted_quantile",
]
