"""The heuristics' view of a :class:`~territory_opt.problem.TerritoryProblem` (arrays only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..problem import TerritoryProblem
from ..problem.objective import term_matrix
from .build import HeuristicInstance

__all__ = ["heuristic_instance"]


def heuristic_instance(
    problem: TerritoryProblem,
    allowed: np.ndarray | None = None,
    centres: Sequence[int] | None = None,
) -> HeuristicInstance:
    """Convert to the array-level :class:`territory_opt.heuristics.build.HeuristicInstance`.

    Parameters
    ----------
    allowed : numpy.ndarray, optional
        ``(n, K)`` boolean mask of allowed assignments (pruning); ``None``: all.
    centres : sequence of int, optional
        For free centres: the chosen column indices (``k`` of them). Required then.

    Returns
    -------
    HeuristicInstance
    """
    cols = _columns(problem, centres)
    lo, hi = problem.bounds()
    base = None
    if problem.baseline is not None:
        base = np.asarray(problem.baseline, dtype=np.int64).copy()
    v = problem.disruption_values()
    hi = np.where(np.isfinite(hi), hi, 1e300)
    return HeuristicInstance(
        neighbors=problem.neighbors(),
        measures=problem.balance_matrix(),
        lower=lo[cols],
        upper=hi[cols],
        cost=problem.assignment_costs()[:, cols],
        centres=np.asarray(problem.roots[cols], dtype=np.int64),
        allowed=None if allowed is None else np.asarray(allowed, dtype=bool)[:, cols].copy(),
        baseline=base,
        disruption=v,
        disruption_budget=problem.disruption_budget if v is not None else None,
        disruption_weight=float(problem.disruption_weight) if v is not None else 0.0,
        shaping=_shaping(problem, cols),
    )


_DIRECTIONLESS = ("changes", "travel")
"""Terms that give the search little direction: a change costs the same whatever the new
rep, and a unit without visits costs nothing anywhere."""


def _shaping(problem: TerritoryProblem, cols: np.ndarray) -> np.ndarray | None:
    """The ``"compact"`` term as the shaping cost of objectives with a directionless term."""
    goal = problem.goal
    if goal is None or not any(t in _DIRECTIONLESS for t in goal.names):
        return None
    return np.asarray(term_matrix(problem, "compact"), dtype=float)[:, cols]


def _columns(problem: TerritoryProblem, centres: Sequence[int] | None) -> np.ndarray:
    if problem.free_centres:
        if centres is None or len(centres) != problem.k:
            raise ValueError("free centres: pass the k chosen column indices as centres=")
        return np.asarray(centres, dtype=np.int64)
    return np.arange(problem.n_columns)
