"""The steps of :func:`territory_opt.milp.model.build_model`, in the order they add columns and rows.

Each step reads the problem and the ``(n, K)`` column map ``x`` and appends to the
model's builder (``_Builder`` in :mod:`.model`); the order of the calls fixes the order
of the columns and rows, so :func:`~territory_opt.milp.model.build_model` makes them in
turn: assignment, balance, contiguity, then the objective parts (with the disruption
budget row).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..problem.territory_problem import TerritoryProblem

if TYPE_CHECKING:
    from .model import _Builder


def _add_assignment(problem: TerritoryProblem, B: _Builder, x: np.ndarray) -> list[int | None]:
    """Add the assignment rows, the centres (fixed or ``k`` open) and the locks.

    Returns
    -------
    list
        With free centres, the column of :math:`y_c = x_{h_c c}` per column (``None`` when
        the root pair is not allowed); empty with fixed centres.
    """
    roots = problem.roots
    for i in range(problem.n_units):
        js = x[i][x[i] >= 0]
        B.add_row(js, np.ones(len(js)), 1.0, 1.0)
    y: list[int | None] = []
    if problem.free_centres:
        for c, r in enumerate(roots.tolist()):
            y.append(int(x[r, c]) if x[r, c] >= 0 else None)
        ys = [v for v in y if v is not None]
        B.add_row(ys, np.ones(len(ys)), problem.k, problem.k)
        for c in range(problem.n_columns):
            yc = y[c]
            for i in np.flatnonzero(x[:, c] >= 0).tolist():
                if yc is None:
                    B.hi[x[i, c]] = 0.0
                elif x[i, c] != yc:
                    B.add_row([x[i, c], yc], [1.0, -1.0], -np.inf, 0.0)
    else:
        for c, r in enumerate(roots.tolist()):
            if r >= 0:
                B.lo[x[r, c]] = 1.0
    for i, c in problem.locks:
        B.lo[x[i, c]] = 1.0
    return y


def _add_balance(
    problem: TerritoryProblem, B: _Builder, x: np.ndarray, y: list[int | None]
) -> tuple[list[int], list[float]]:
    """Add the balance rows (with a deviation column per soft row).

    Returns
    -------
    tuple of list
        The deviation columns and their penalty weights.
    """
    a = problem.balance_matrix()
    lo, hi = problem.bounds()
    T = problem.targets()
    pen_cols: list[int] = []
    pen_w: list[float] = []
    for m, bal in enumerate(problem.balance):
        for c in range(problem.n_columns):
            ii = np.flatnonzero(x[:, c] >= 0)
            idx = list(x[ii, c])
            val = list(a[ii, m])
            yc = y[c] if problem.free_centres else None
            if problem.free_centres and yc is None:
                continue
            for bound, sign in ((hi[c, m], 1.0), (lo[c, m], -1.0)):
                if (sign > 0 and not np.isfinite(bound)) or (sign < 0 and bound <= 0):
                    continue
                r_idx = list(idx)
                r_val = list(val)
                if bal.penalty is not None:
                    e = int(B.add_cols(1, 0.0, np.inf, False)[0])
                    r_idx.append(e)
                    r_val.append(-sign * max(T[c, m], 1e-12))
                    pen_cols.append(e)
                    pen_w.append(float(bal.penalty))
                if problem.free_centres:
                    assert yc is not None
                    if yc in r_idx:
                        r_val[r_idx.index(yc)] -= bound
                    else:
                        r_idx.append(yc)
                        r_val.append(-bound)
                    rhs = 0.0
                else:
                    rhs = float(bound)
                if sign > 0:
                    B.add_row(r_idx, r_val, -np.inf, rhs)
                else:
                    B.add_row(r_idx, r_val, rhs, np.inf)
    return pen_cols, pen_w


def _add_contiguity(
    problem: TerritoryProblem, B: _Builder, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Add the contiguity rows of ``problem.contiguity`` and fix the unreachable pairs to 0.

    Returns
    -------
    tuple or None
        The flow variables of :func:`~territory_opt.milp.contiguity.add_flow` (``"flow"``).
    """
    from .contiguity import add_flow, sp_rows

    # (and the x_ic no connected balanced territory has: reach.py)
    flow = None
    if problem.contiguity is not None:
        for j in _far_columns(problem, x):
            B.hi[j] = 0.0
    if problem.contiguity == "sp":
        for s_idx, s_val, rlo, rhi in sp_rows(problem, x):
            if len(s_idx) == 1:
                B.hi[int(s_idx[0])] = 0.0
            else:
                B.add_row(s_idx, s_val, rlo, rhi)
    elif problem.contiguity == "flow":
        flow = add_flow(problem, x, B)
    return flow


def _objective_parts(
    problem: TerritoryProblem,
    B: _Builder,
    x: np.ndarray,
    pairs: np.ndarray,
    pen_cols: list[int],
    pen_w: list[float],
) -> dict[str, tuple[np.ndarray, float]]:
    """The named parts (cost, disruption, penalty); adds the disruption-budget row."""
    ncols = len(B.c)
    parts: dict[str, tuple[np.ndarray, float]] = {}
    cost = np.zeros(ncols)
    coef = problem.assignment_costs()
    cost[x[pairs[:, 0], pairs[:, 1]]] = coef[pairs[:, 0], pairs[:, 1]]
    parts["cost"] = (cost, 0.0)
    v = problem.disruption_values()
    if v is not None:
        assert problem.baseline is not None
        dis = np.zeros(ncols)
        b = np.asarray(problem.baseline)
        for i in np.flatnonzero((b >= 0) & (v > 0)).tolist():
            j = x[i, b[i]]
            if j >= 0:
                dis[j] -= v[i]
        parts["disruption"] = (dis, float(v.sum()))
        if problem.disruption_budget is not None:
            nz = np.flatnonzero(dis)
            B.add_row(nz, dis[nz], -np.inf, problem.disruption_budget - float(v.sum()))
    if pen_cols:
        penalty = np.zeros(ncols)
        penalty[pen_cols] = pen_w
        parts["penalty"] = (penalty, 0.0)
    return parts


def _objective(
    problem: TerritoryProblem, parts: dict[str, tuple[np.ndarray, float]]
) -> tuple[np.ndarray, float]:
    """The objective vector and constant of ``problem.objective`` from the parts."""
    if problem.objective == "disruption":
        cvec = parts["disruption"][0].copy()
        off = parts["disruption"][1]
    else:
        cvec = parts["cost"][0].copy()
        off = 0.0
        if "disruption" in parts and problem.disruption_weight > 0:
            cvec += problem.disruption_weight * parts["disruption"][0]
            off += problem.disruption_weight * parts["disruption"][1]
    if "penalty" in parts:
        cvec += parts["penalty"][0]
    return cvec, off


def _far_columns(problem: TerritoryProblem, x: np.ndarray) -> list[int]:
    """Columns of the :math:`x_{ic}` no connected balanced territory has (:mod:`.reach`)."""
    from .reach import unreachable

    return [int(j) for j in x[unreachable(problem, x)].tolist()]
