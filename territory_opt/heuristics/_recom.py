"""Recombination of a few adjacent territories by a small exact MILP (private).

The union ``M`` of a group ``T`` of adjacent territories (a pair, or a territory with
two of its neighbours) is re-split optimally: binary ``x_it = 1`` when unit ``i`` of
``M`` goes to territory ``t``. Contiguity uses shortest-path constraints (Validi,
Buchanan & Lykhovyd 2022) on hop distances inside ``M``:

.. math::

    x_{it} \\le \\sum_{j \\in N(i) \\cap M:\\ \\delta_t(j) < \\delta_t(i)} x_{jt},

which are sufficient (every chosen unit has a path of strictly decreasing distance to
its centre), so each split found is contiguous; they exclude some contiguous splits,
which only makes the move weaker, never wrong. Balance is hard when every territory of
the group already meets its bounds and soft (relative deviation, heavily weighted)
otherwise. The model goes straight to HiGHS through ``highspy`` arrays: building it
through PuLP cost more than solving it at these sizes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..graph.core import adjacency_matrix, hop_distances, node_weighted_distances
from ..milp.backends import new_highs
from . import _workclock
from ._search import State, _Data

try:  # highspy is a dependency, but keep the heuristic usable without it
    import highspy

    _HAVE_HIGHS = True
except ImportError:  # pragma: no cover
    _HAVE_HIGHS = False


def _solver(time_limit: float) -> highspy.Highs:
    h = new_highs()
    h.setOptionValue("output_flag", False)
    # on the work clock: a node limit decides, the time limit is only a wider cap
    cap, nodes = _workclock.sub_limits(time_limit)
    h.setOptionValue("time_limit", float(max(cap, 0.01)))
    if nodes is not None:
        h.setOptionValue("mip_max_nodes", int(nodes))
    h.setOptionValue("random_seed", 0)
    return h


def _run(h: highspy.Highs, nominal: float, size: int, mip: bool = False) -> None:
    """Run a sub-solve (of ``size`` columns; a MIP or an LP) and charge its counted work
    to the work clock."""
    h.run()
    info = h.getInfo()
    _workclock.charge(
        int(info.simplex_iteration_count),
        max(0, int(info.mip_node_count)),
        size,
        nominal,
        h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit,
        mip,
    )


def _sparse_rows(
    rows_idx: list[np.ndarray], rows_val: list[np.ndarray], nv: int, lp: highspy.HighsLp
) -> None:
    starts = np.zeros(len(rows_idx) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(r) for r in rows_idx])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = nv
    lp.a_matrix_.num_row_ = len(rows_idx)
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.concatenate(rows_idx).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(rows_val).astype(float)


def min_disruption_bound(d: _Data, time_limit: float) -> float | None:
    """Lower bound on the disruption of any balanced plan: the LP relaxation of
    ``min sum_i v_i (1 - x_{i, b(i)})`` over the balanced assignment (no contiguity).
    ``None`` without a baseline, when infeasible, or out of time."""
    if d.c_dis < 0:
        return None
    cost = np.zeros((d.n, d.k))
    has = d.baseline >= 0
    cost[has] = d.dis[has, None]
    cost[np.flatnonzero(has), d.baseline[has]] = 0.0
    res = _solve_assignment_lp(d, time_limit, cost, budget=False)
    return None if res is None else res[1]


def lp_start(d: _Data, time_limit: float, cost: np.ndarray | None = None) -> np.ndarray | None:
    """Unit labels from the LP relaxation of the balanced assignment (no contiguity).

    Its optimum is a weighted Voronoi-like partition with at most ``k m`` split units:
    compact and balanced, though some pieces are cut off from their centre (the
    caller repairs them). ``None`` when the LP is infeasible or out of time.
    """
    res = _solve_assignment_lp(d, time_limit, d.cost if cost is None else cost, budget=True)
    return None if res is None else res[0]


def _solve_assignment_lp(
    d: _Data, time_limit: float, cost: np.ndarray, budget: bool
) -> tuple[np.ndarray, float] | None:
    """(argmax labels, objective) of the balanced assignment LP with ``cost``."""
    if not _HAVE_HIGHS or time_limit <= 0.05:
        return None
    n, k, m = d.n, d.k, d.m
    ii, rr = np.nonzero(d.allowed)
    nv = len(ii)
    rows_idx: list[np.ndarray] = []
    rows_val: list[np.ndarray] = []
    # assignment rows: columns are grouped by unit (np.nonzero is row-major)
    bounds = np.searchsorted(ii, np.arange(n + 1))
    col = np.arange(nv)
    rows_idx += [col[bounds[i] : bounds[i + 1]] for i in range(n)]
    rows_val += [np.ones(bounds[i + 1] - bounds[i]) for i in range(n)]
    rlo = [1.0] * n
    rhi = [1.0] * n
    order = np.argsort(rr, kind="stable")
    rb = np.searchsorted(rr[order], np.arange(k + 1))
    for r in range(k):
        cols_r = order[rb[r] : rb[r + 1]]
        for mm in range(m):
            rows_idx.append(cols_r)
            rows_val.append(d.measures[ii[cols_r], mm])
            margin = 1e-7 * max(abs(d.upper[r, mm]), 1.0)
            rlo.append(d.lower[r, mm] + margin)
            rhi.append(d.upper[r, mm] - margin)
    if budget and d.budget is not None and d.c_dis >= 0:
        # sum_i v_i (1 - x_{i, b(i)}) <= budget
        stay = d.baseline[ii] == rr
        rows_idx.append(col[stay])
        rows_val.append(-d.dis[ii[stay]])
        rlo.append(d.budget - float(d.dis[d.baseline >= 0].sum()))
        rhi.append(np.inf)
    lp = highspy.HighsLp()
    lp.num_col_ = nv
    lp.num_row_ = len(rlo)
    lp.col_cost_ = cost[ii, rr]
    lp.col_lower_ = np.zeros(nv)
    lp.col_upper_ = np.ones(nv)
    lp.row_lower_ = np.asarray(rlo, dtype=float)
    lp.row_upper_ = np.asarray(rhi, dtype=float)
    _sparse_rows(rows_idx, rows_val, nv, lp)
    h = _solver(time_limit)
    h.passModel(lp)
    _run(h, time_limit, nv)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value)
    score = np.full((n, k), -1.0)
    score[ii, rr] = x
    return np.argmax(score, axis=1).astype(np.int64), float(h.getInfo().objective_function_value)


def _hops(adj: list[list[int]], inside: dict[int, int], root: int) -> np.ndarray:
    """Hops from ``root`` inside the units ``inside`` (unit -> local index), -1 if unreached."""
    units = sorted(inside, key=inside.__getitem__)
    local = [[inside[w] for w in adj[v] if w in inside] for v in units]
    d = hop_distances(adjacency_matrix(local), [inside[root]])[0]
    return np.where(np.isfinite(d), d, -1).astype(np.int64)


def _distances(st: State, M: np.ndarray, T: np.ndarray, inside: dict[int, int]) -> np.ndarray:
    """``(|M|, |T|)`` distances of the shortest-path rows: hops from each centre inside
    ``M``; when the current split breaks those rows (a territory that is not star-shaped
    in hops, e.g. one close to the current plan's irregular shapes), distances anchored
    on the current split instead (a step into a unit the territory holds costs
    ``1e-3``, any other step 1), under which the current split is always admissible, so
    the re-split can only improve on it. ``-1`` marks unreached units."""
    d = st.d
    hops = np.stack([_hops(d.adj, inside, int(d.centres[t])) for t in T.tolist()], axis=1)
    if _admissible(st, M, T, inside, hops):
        return hops.astype(float)
    units = M.tolist()
    local = [[inside[w] for w in d.adj[v] if w in inside] for v in units]
    adj = adjacency_matrix(local)
    out = np.empty((len(M), len(T)))
    for q, t in enumerate(T.tolist()):
        w = np.where(st.a[M] == t, 1e-3, 1.0)
        dq = node_weighted_distances(adj, w, inside[int(d.centres[t])])
        out[:, q] = np.where(np.isfinite(dq), dq, -1.0)
    return out


def _admissible(
    st: State, M: np.ndarray, T: np.ndarray, inside: dict[int, int], dist: np.ndarray
) -> bool:
    """Whether the current split meets the shortest-path rows on ``dist``: every unit
    but a centre has a neighbour in its territory strictly closer to the centre."""
    d = st.d
    pos = {int(t): q for q, t in enumerate(T.tolist())}
    centres = {int(d.centres[t]) for t in T.tolist()}
    for j, u in enumerate(M.tolist()):
        if u in centres:
            continue
        q = pos[int(st.a[u])]
        if dist[j, q] < 0:
            return False
        if not any(
            w in inside and st.a[w] == st.a[u] and 0 <= dist[inside[w], q] < dist[j, q]
            for w in d.adj[u]
        ):
            return False
    return True


def recombine(st: State, group: Sequence[int], time_limit: float) -> np.ndarray | None:
    """Best re-split of the territories in ``group`` (labels for ``st.d``), or ``None``
    when HiGHS found nothing (infeasible under the restriction, or out of time).

    Binary :math:`x_{it}` for every unit :math:`i` of the union :math:`M` and territory
    :math:`t` of the group; centres fixed, ``allowed`` respected, the cost of the search
    minimised. Contiguity uses shortest-path rows on hop distances inside :math:`M`, or on
    distances anchored on the current split when it breaks the hop rows (:func:`_distances`)
    (sufficient, not necessary: each split found is contiguous; some contiguous splits
    are excluded, which only makes the move weaker):

    .. math:: x_{it} \\le \\sum_{j \\in N(i) \\cap M:\\ \\delta_t(j) < \\delta_t(i)} x_{jt}.

    Balance is hard when every territory of the group meets its bounds and soft
    (relative deviation, heavily weighted) otherwise; a disruption budget stays a hard
    row (at the current disruption when already broken). The current split is passed
    to HiGHS as its first incumbent.
    """
    if not _HAVE_HIGHS or time_limit <= 0.01:
        return None
    d = st.d
    T = np.asarray(group, dtype=np.int64)
    K = len(T)
    M = np.flatnonzero(np.isin(st.a, T))
    s = len(M)
    inside = {int(u): j for j, u in enumerate(M.tolist())}
    dist = _distances(st, M, T, inside)
    hard = bool((st.viol[T] <= 1e-12).all())
    nx_ = s * K  # x[j, q] is column j * K + q
    nv = nx_ if hard else nx_ + 2 * K * d.m
    col_cost = np.zeros(nv)
    col_cost[:nx_] = d.cost[np.ix_(M, T)].ravel()
    lo, hi = _column_bounds(d, M, T, inside, dist, nv, hard)
    cur = np.zeros(nv)
    pos = np.full(d.k, -1, dtype=np.int64)
    pos[T] = np.arange(K)
    cur[np.arange(s) * K + pos[st.a[M]]] = 1.0
    if (cur[:nx_] > hi[:nx_]).any() or (hi[:nx_].reshape(s, K).sum(axis=1) < 1).any():
        return None  # the current split is outside the restriction: leave it alone
    xcol = np.arange(nx_).reshape(s, K)
    rows = _Rows()
    for j in range(s):  # each unit in exactly one territory of the group
        rows.add(xcol[j], np.ones(K), 1.0, 1.0)
    _balance_rows(rows, d, M, T, xcol, hard, col_cost, cur)
    if d.budget is not None and d.c_dis >= 0:
        _budget_row(rows, st, M, T, xcol, pos)
    _contiguity_rows(rows, d, M, T, inside, dist, hi)
    x = _solve_split(rows, col_cost, lo, hi, cur, nx_, time_limit)
    if x is None:
        return None
    labels = st.a.copy()
    labels[M] = T[np.argmax(x.reshape(s, K), axis=1)]
    return labels


class _Rows:
    """Rows of a sparse model, appended one at a time (indices, values, bounds)."""

    def __init__(self) -> None:
        self.idx: list[np.ndarray] = []
        self.val: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, idx: np.ndarray, val: np.ndarray, lo: float, hi: float) -> None:
        """Append the row ``lo <= val @ x[idx] <= hi``."""
        self.idx.append(idx)
        self.val.append(val)
        self.lo.append(lo)
        self.hi.append(hi)


def _column_bounds(
    d: _Data,
    M: np.ndarray,
    T: np.ndarray,
    inside: dict[int, int],
    dist: np.ndarray,
    nv: int,
    hard: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds: ``x`` allowed and reachable, centres fixed, slacks free when soft."""
    K = len(T)
    nx_ = len(M) * K
    lo = np.zeros(nv)
    hi = np.ones(nv)
    hi[:nx_] = (d.allowed[np.ix_(M, T)] & (dist >= 0)).ravel()
    for q, t in enumerate(T.tolist()):
        c = inside[int(d.centres[t])]
        hi[c * K : (c + 1) * K] = 0.0
        lo[c * K + q] = hi[c * K + q] = 1.0
    if not hard:
        hi[nx_:] = np.inf
    return lo, hi


def _balance_rows(
    rows: _Rows,
    d: _Data,
    M: np.ndarray,
    T: np.ndarray,
    xcol: np.ndarray,
    hard: bool,
    col_cost: np.ndarray,
    cur: np.ndarray,
) -> None:
    """Bounds of every measure of every territory; when soft, the slack columns' cost and
    current value are filled in ``col_cost`` and ``cur``."""
    s, K = xcol.shape
    nx_ = s * K
    meas = d.measures[M]
    weight = 1e3 * (np.abs(col_cost[:nx_]).sum() / K + 1.0)
    for q, t in enumerate(T.tolist()):
        for mm in range(d.m):
            idx = xcol[:, q]
            val = meas[:, mm]
            load = float(val @ cur[idx])
            if not hard:
                base = nx_ + 2 * (q * d.m + mm)
                idx = np.append(idx, [base, base + 1])
                val = np.append(val, [1.0, -1.0])
                col_cost[base] = weight / d.lo_scale[t, mm]
                col_cost[base + 1] = weight / d.up_scale[t, mm]
                cur[base] = max(d.lower[t, mm] - load, 0.0)
                cur[base + 1] = max(load - d.upper[t, mm], 0.0)
            margin = 1e-7 * max(abs(d.upper[t, mm]), 1.0)
            rows.add(idx, val, d.lower[t, mm] + margin, d.upper[t, mm] - margin)


def _budget_row(
    rows: _Rows, st: State, M: np.ndarray, T: np.ndarray, xcol: np.ndarray, pos: np.ndarray
) -> None:
    """The disruption budget (at the current disruption when already broken)."""
    d = st.d
    assert d.budget is not None
    # disruption of M = sum of v over units with a baseline - v of those kept home
    base_m = d.baseline[M]
    v = d.dis[M]
    home = (base_m >= 0) & np.isin(base_m, T)
    cur_m = float((v * ((base_m >= 0) & (st.a[M] != base_m))).sum())
    const = st.D - cur_m + float(v[base_m >= 0].sum())
    rows.add(
        xcol[np.flatnonzero(home), pos[base_m[home]]],
        -v[home],
        -np.inf,
        max(d.budget, st.D) - const,
    )


def _contiguity_rows(
    rows: _Rows,
    d: _Data,
    M: np.ndarray,
    T: np.ndarray,
    inside: dict[int, int],
    dist: np.ndarray,
    hi: np.ndarray,
) -> None:
    """Shortest-path rows: a unit joins a territory only with a neighbour closer to its centre."""
    K = len(T)
    for j, u in enumerate(M.tolist()):
        nb = np.asarray([inside[w] for w in d.adj[u] if w in inside], dtype=np.int64)
        for q, t in enumerate(T.tolist()):
            if u == int(d.centres[t]) or hi[j * K + q] == 0.0:
                continue
            closer = nb[(dist[nb, q] >= 0) & (dist[nb, q] < dist[j, q])]
            rows.add(
                np.concatenate([[j * K + q], closer * K + q]),
                np.concatenate([[1.0], -np.ones(len(closer))]),
                -np.inf,
                0.0,
            )


def _solve_split(
    rows: _Rows,
    col_cost: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    cur: np.ndarray,
    nx_: int,
    time_limit: float,
) -> np.ndarray | None:
    """Solve the recombination MILP from ``cur``: the ``x`` columns, or None if no solution."""
    nv = len(col_cost)
    lp = highspy.HighsLp()
    lp.num_col_ = nv
    lp.num_row_ = len(rows.lo)
    lp.col_cost_ = col_cost
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = np.asarray(rows.lo, dtype=float)
    lp.row_upper_ = np.asarray(rows.hi, dtype=float)
    _sparse_rows(rows.idx, rows.val, nv, lp)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nx_ + [highspy.HighsVarType.kContinuous] * (
        nv - nx_
    )
    h = _solver(time_limit)
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.passModel(lp)
    h.setSolution(nv, np.arange(nv, dtype=np.int32), cur)
    _run(h, time_limit, nv, mip=True)
    if h.getInfo().primal_solution_status != 2:  # 2 = feasible
        return None
    return np.asarray(h.getSolution().col_value[:nx_])
