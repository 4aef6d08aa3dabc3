"""The heuristic's array-level instance and result, and the checks of a plan.

:class:`HeuristicInstance` is what :func:`territory_opt.heuristics.build.build_plan`
works on (neighbour lists, measures, bounds, a cost matrix); :func:`is_contiguous` and
``_evaluate`` check a plan from scratch, independently of the search;
:func:`dense_units` finds the units too heavy for balance with whole units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ..graph.core import adjacency_matrix, component_labels, node_weighted_distances

__all__ = [
    "HeuristicInstance",
    "HeuristicResult",
    "dense_units",
    "is_contiguous",
]

_TOL = 1e-9


@dataclass(frozen=True)
class HeuristicInstance:
    """Array view of a territory-design instance.

    Attributes
    ----------
    neighbors : tuple of int arrays
        ``neighbors[i]``: units adjacent to unit ``i`` (0..n-1); the graph is connected.
    measures : (n, m) array
        Measures to balance (non-negative).
    lower, upper : (k, m) arrays
        Per-territory bounds of each measure.
    cost : (n, k) array
        Cost of giving unit ``i`` to territory ``r`` (e.g. ``w_i d_ir^p``); minimised.
    centres : (k,) int array
        Unit holding each territory's centre; it must stay in that territory.
    allowed : (n, k) bool array, optional
        ``False``: unit ``i`` may not go to territory ``r`` (pruning, locks).
    baseline : (n,) int array, optional
        Territory of each unit in the current plan, ``-1`` for none.
    disruption : (n,) array, optional
        Weight lost when a unit leaves its baseline territory (e.g. accounts).
    disruption_budget : float, optional
        Hard cap on the disruption of the plan.
    disruption_weight : float
        Penalty per unit of disruption added to the cost.
    shaping : (n, k) array, optional
        Geometry-aware cost guiding construction and balancing when ``cost`` gives
        little direction (e.g. the ``"compact"`` term under a ``"changes"`` objective);
        see :mod:`territory_opt.heuristics._shaping`.
    """

    neighbors: tuple[np.ndarray, ...]
    measures: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    centres: np.ndarray
    allowed: np.ndarray | None = None
    baseline: np.ndarray | None = None
    disruption: np.ndarray | None = None
    disruption_budget: float | None = None
    disruption_weight: float = 0.0
    shaping: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.neighbors)

    @property
    def k(self) -> int:
        return int(np.asarray(self.centres).shape[0])


@dataclass(frozen=True)
class HeuristicResult:
    """Plan found by :func:`build_plan`.

    ``feasible`` is checked independently of the search: every territory contiguous
    and holding its centre, every bound and the budget met, ``allowed`` respected.
    ``max_violation`` is the largest violation of a bound relative to that bound.
    ``cost`` is ``sum cost[i, assignment[i]] + disruption_weight * disruption``.
    ``trajectory`` holds ``(seconds, total violation, cost)`` each time the best plan
    improved.
    """

    assignment: np.ndarray
    feasible: bool
    max_violation: float
    cost: float
    disruption: float
    seconds: float
    trajectory: tuple[tuple[float, float, float], ...] = field(default=())


# --------------------------------------------------------------------------- checks


def is_contiguous(
    neighbors: tuple[np.ndarray, ...] | list[np.ndarray],
    assignment: np.ndarray,
    centres: np.ndarray,
) -> bool:
    """Whether every territory is connected and holds its centre.

    Parameters
    ----------
    neighbors : sequence of int arrays
        Adjacency lists of the unit graph.
    assignment : (n,) int array
        Territory of each unit.
    centres : (k,) int array
        Centre unit of each territory.
    """
    a = np.asarray(assignment, dtype=np.int64)
    n = len(neighbors)
    if a.shape != (n,):
        return False
    k = len(centres)
    if ((a < 0) | (a >= k)).any():
        return False
    c = np.asarray(centres, dtype=np.int64)
    if (a[c] != np.arange(k)).any():
        return False
    # keep the edges inside a territory: k components exactly when each is connected
    adj = adjacency_matrix(neighbors).tocoo()
    same = a[adj.row] == a[adj.col]
    inner = sparse.csr_array((adj.data[same], (adj.row[same], adj.col[same])), shape=(n, n))
    return int(component_labels(inner).max(initial=-1)) + 1 == k


def _evaluate(inst: HeuristicInstance, a: np.ndarray) -> tuple[bool, float, float, float]:
    """(feasible, max relative violation, cost, disruption) of a plan, from scratch."""
    n, k = inst.n, inst.k
    meas = np.asarray(inst.measures, dtype=float).reshape(n, -1)
    m = meas.shape[1]
    S = np.zeros((k, m))
    np.add.at(S, a, meas)
    lower = np.asarray(inst.lower, dtype=float).reshape(k, m)
    upper = np.asarray(inst.upper, dtype=float).reshape(k, m)
    typical = np.where(meas.sum(axis=0) > 0, meas.sum(axis=0) / k, 1.0)
    lo = np.maximum(lower - S, 0) / np.where(lower > 0, lower, typical)
    up = np.maximum(S - upper, 0) / np.where(upper > 0, upper, typical)
    viol = float(max(lo.max(initial=0.0), up.max(initial=0.0)))
    dis = 0.0
    if inst.baseline is not None and inst.disruption is not None:
        base = np.asarray(inst.baseline)
        dis = float(np.asarray(inst.disruption, dtype=float)[(base >= 0) & (a != base)].sum())
    budget = inst.disruption_budget
    if budget is not None and dis > budget + _TOL * max(1.0, abs(budget)):
        viol = max(viol, (dis - budget) / (budget if budget > 0 else max(dis, 1.0)))
    cost = float(np.asarray(inst.cost, dtype=float)[np.arange(n), a].sum())
    cost += inst.disruption_weight * dis
    ok_allowed = inst.allowed is None or bool(np.asarray(inst.allowed)[np.arange(n), a].all())
    feasible = viol <= _TOL and ok_allowed and is_contiguous(inst.neighbors, a, inst.centres)
    return feasible, (0.0 if viol <= _TOL else viol), cost, dis


# --------------------------------------------------------------------------- dense units


def dense_units(inst: HeuristicInstance, *, slack: float = 1.0) -> np.ndarray:
    """Units too heavy for balance to be reachable with whole units.

    A unit is returned when, for every territory it may join, some measure exceeds
    ``slack`` times the territory's upper bound, counting the unit itself plus the
    lightest chain of units joining it to that territory's centre (node-weighted
    shortest path, a necessary condition for a contiguous territory holding both).
    With ``slack=1`` these are the units that make the bounds unreachable; a smaller
    ``slack`` (e.g. 0.8) also flags near-dense units worth splitting.

    Returns
    -------
    (q,) int array
        Sorted unit indices; the caller decides how to split them.
    """
    n, k = inst.n, inst.k
    meas = np.asarray(inst.measures, dtype=float).reshape(n, -1)
    m = meas.shape[1]
    upper = np.asarray(inst.upper, dtype=float).reshape(k, m) * slack
    allowed = np.ones((n, k), dtype=bool) if inst.allowed is None else np.asarray(inst.allowed)
    fits = np.zeros(n, dtype=bool)
    adj = adjacency_matrix(inst.neighbors)
    centres = np.asarray(inst.centres, dtype=np.int64)
    for r in range(k):
        # quick accept: the unit alone with the centre fits in every measure
        over = np.zeros(n, dtype=bool)
        for mm in range(m):
            dist = _node_weighted_dist(adj, meas[:, mm], int(centres[r]))
            over |= dist > upper[r, mm] * (1 + _TOL)
        fits |= allowed[:, r] & ~over
    return np.flatnonzero(~fits)


def _node_weighted_dist(adj: sparse.csr_array, w: np.ndarray, src: int) -> np.ndarray:
    """Lightest path weight (both end units included) from ``src`` to every unit."""
    return node_weighted_distances(adj, w, src)
