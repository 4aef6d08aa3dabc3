r"""A true lower bound of a fixed-centre problem by Lagrangian relaxation of the balance rows.

Bounds: what is and is not a bound
----------------------------------
* The **sum of the pieces' bounds** is *not* a lower bound of the full problem: the pieces
  restrict each unit to the reps of its region (and to the pruned columns, and to
  tightened tolerances), so their optima can exceed the full optimum. It bounds only the
  plans that keep every unit in its region; it is reported as ``restricted_bound``.
* :func:`lagrangian_bound` gives a **true lower bound** of the full problem (every unit
  × every rep, contiguity dropped, homes and locks kept): the balance rows are relaxed
  with multipliers :math:`\mu, \nu \ge 0`,

  .. math:: L(\mu,\nu) = \sum_i \min_c \Big[ c_{ic} + \sum_m (\nu_{cm} - \mu_{cm}) a_{im} \Big]
            + \sum_{c,m} \mu_{cm} L_{cm} - \sum_{c,m} \nu_{cm} U_{cm},

  maximised by projected subgradient steps (Polyak step towards the best known
  objective). Since the relaxed assignment problem has the integrality property, its
  maximum equals the LP relaxation without contiguity, so ``L`` approaches that bound;
  any iterate is valid. Only for the cost objective with fixed homes; soft balance rows
  and a disruption budget are dropped (still a valid bound).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..problem.territory_problem import TerritoryProblem

__all__ = [
    "BoundResult",
    "lagrangian_bound",
]


@dataclass(frozen=True)
class BoundResult:
    """A lower bound of a problem's objective.

    Attributes
    ----------
    value : float or None
        The bound (``None``: not available for this problem).
    kind : str
        What it is, in words.
    iterations : int
        Subgradient iterations done.
    seconds : float
    """

    value: float | None
    kind: str
    iterations: int = 0
    seconds: float = 0.0


def lagrangian_bound(
    problem: TerritoryProblem,
    *,
    upper: float | None = None,
    time_limit: float = 30.0,
    max_iterations: int = 2000,
) -> BoundResult:
    """A true lower bound of the full problem by Lagrangian relaxation of the balance rows.

    Parameters
    ----------
    problem : TerritoryProblem
        Fixed centres, ``objective="cost"``.
    upper : float, optional
        Objective of a known plan (steers the Polyak step; any value works, a good one
        converges faster). Default: the trivial bound × 1.2.
    time_limit : float
        Seconds for the subgradient ascent.
    max_iterations : int
        Iteration cap.

    Returns
    -------
    BoundResult
        The best Lagrangian value found: a valid lower bound for every plan of the full
        problem (all units × all reps, with or without contiguity, pruning ignored),
        at most the LP relaxation without contiguity, which it approaches.
    """
    t0 = time.perf_counter()
    if problem.free_centres or problem.objective != "cost" or problem.goal is not None:
        return BoundResult(
            None, "not available (free centres, disruption objective or named objective)"
        )
    n, K = problem.n_units, problem.n_columns
    C = np.array(problem.assignment_costs(), dtype=float)
    v = problem.disruption_values()
    if v is not None and problem.disruption_weight > 0 and problem.baseline is not None:
        b = np.asarray(problem.baseline)
        extra = problem.disruption_weight * v
        C += extra[:, None]
        has = b >= 0
        C[np.flatnonzero(has), b[has]] -= extra[has]
    fixed = np.full(n, -1, dtype=np.int64)
    for c, r in enumerate(problem.roots.tolist()):
        if r >= 0:
            fixed[r] = c
    for i, c in problem.locks:
        fixed[i] = c
    big = np.inf
    rows = np.flatnonzero(fixed >= 0)
    keep = C[rows, fixed[rows]].copy()
    C[rows, :] = big
    C[rows, fixed[rows]] = keep
    hard = [m for m, b_ in enumerate(problem.balance) if b_.penalty is None]
    trivial = float(C.min(axis=1).sum())
    kind = "Lagrangian relaxation of the balance rows (≤ LP relaxation without contiguity)"
    if not hard:
        return BoundResult(trivial, "each unit at its cheapest rep (no hard balance)", 0, 0.0)
    M = problem.balance_matrix()[:, hard]
    lo, hi = problem.bounds()
    lo, hi = lo[:, hard], hi[:, hard]
    hi_f = np.isfinite(hi)
    hi0 = np.where(hi_f, hi, 0.0)
    scale = np.maximum(problem.targets()[:, hard], 1e-12)  # work in target units
    Ms = M  # loads are divided by the scale below
    mu = np.zeros((K, len(hard)))
    nu = np.zeros((K, len(hard)))
    ub = float(upper) if upper is not None and np.isfinite(upper) else 1.2 * max(trivial, 1.0)
    best = trivial
    theta = 1.0
    stall = 0
    it = 0
    idx = np.arange(n)
    while it < max_iterations and time.perf_counter() - t0 < time_limit:
        it += 1
        lam = (nu - mu) / scale  # (K, m) per unit of measure
        adj = C + Ms @ lam.T
        choice = np.argmin(adj, axis=1)
        val = float(adj[idx, choice].sum() + (mu * lo / scale).sum() - (nu * hi0 / scale).sum())
        if val > best + 1e-9 * max(1.0, abs(best)):
            best = val
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                theta *= 0.5
                stall = 0
                if theta < 1e-6:
                    break
        loads = np.zeros((K, len(hard)))
        np.add.at(loads, choice, Ms)
        g_mu = (lo - loads) / scale
        g_nu = np.where(hi_f, (loads - hi0) / scale, 0.0)
        g_mu = np.where((mu <= 0) & (g_mu < 0), 0.0, g_mu)
        g_nu = np.where((nu <= 0) & (g_nu < 0), 0.0, g_nu)
        norm = float((g_mu**2).sum() + (g_nu**2).sum())
        if norm <= 1e-18:
            break  # the relaxed plan meets every balance row: the bound is attained
        step = theta * max(ub - val, 1e-6 * max(1.0, abs(ub))) / norm
        mu = np.maximum(mu + step * g_mu, 0.0)
        nu = np.where(hi_f, np.maximum(nu + step * g_nu, 0.0), 0.0)
    return BoundResult(best, kind, it, time.perf_counter() - t0)
