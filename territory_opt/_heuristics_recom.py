"""Recombination of two adjacent territories by a small exact MILP (private).

The union ``M`` of territories ``a`` and ``b`` is re-split optimally: binary ``x_i = 1``
when unit ``i`` of ``M`` goes to ``a``. Contiguity uses shortest-path constraints
(Validi, Buchanan & Lykhovyd 2022) on hop distances inside ``M``:

.. math::

    x_i \\le \\sum_{j \\in N(i) \\cap M:\\ \\delta_a(j) < \\delta_a(i)} x_j, \\qquad
    1 - x_i \\le \\sum_{j \\in N(i) \\cap M:\\ \\delta_b(j) < \\delta_b(i)} (1 - x_j),

which are sufficient (every chosen unit has a path of strictly decreasing distance to
its centre), so each split found is contiguous; they exclude some contiguous splits,
which only makes the move weaker, never wrong. Balance is hard when both territories
already meet their bounds and soft (relative deviation, heavily weighted) otherwise.
The model goes straight to HiGHS through ``highspy`` arrays: building it through PuLP
cost more than solving it at these sizes.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from collections.abc import Iterator

import numpy as np

from ._heuristics_search import State, _Data

try:  # highspy is a dependency, but keep the heuristic usable without it
    import highspy

    _HAVE_HIGHS = True
except ImportError:  # pragma: no cover
    _HAVE_HIGHS = False


_BANNER_SHOWN = False


@contextlib.contextmanager
def _quiet_banner() -> Iterator[None]:
    """HiGHS prints a banner on stdout (C level) the first time a solver is created."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        yield
        return
    _BANNER_SHOWN = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout: nothing to protect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def _solver(time_limit: float) -> highspy.Highs:
    with _quiet_banner():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    h.setOptionValue("random_seed", 0)
    return h


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
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value)
    score = np.full((n, k), -1.0)
    score[ii, rr] = x
    return np.argmax(score, axis=1).astype(np.int64), float(h.getInfo().objective_function_value)


def _hops(adj: list[list[int]], inside: dict[int, int], root: int) -> np.ndarray:
    dist = np.full(len(inside), -1, dtype=np.int64)
    dist[inside[root]] = 0
    q = deque([root])
    while q:
        v = q.popleft()
        dv = dist[inside[v]]
        for w in adj[v]:
            j = inside.get(w)
            if j is not None and dist[j] < 0:
                dist[j] = dv + 1
                q.append(w)
    return dist


def recombine(
    st: State, a: int, b: int, time_limit: float, contiguity: str = "sp", max_rounds: int = 25
) -> np.ndarray | None:
    """Best re-split of territories ``a`` and ``b`` (labels for ``st.d``), or ``None``
    when HiGHS found nothing (infeasible under the restriction, or out of time).

    ``contiguity="cuts"`` (exact, slow on 300+ units: many rounds): solve without contiguity, then add, for every piece
    ``C`` cut off from its centre, ``x_v <= sum_{j in N(C)} x_j`` for ``v`` in ``C`` (and
    the mirror rows for ``b``), and re-solve, at most ``max_rounds`` times; the current
    split is passed as the incumbent when it is balanced. ``"sp"``: the shortest-path
    rows above (sufficient, not necessary; one solve)."""
    if not _HAVE_HIGHS or time_limit <= 0.01:
        return None
    t_end = time.perf_counter() + time_limit
    d = st.d
    M = np.flatnonzero((st.a == a) | (st.a == b))
    s = len(M)
    inside = {int(u): j for j, u in enumerate(M.tolist())}
    ca, cb = int(d.centres[a]), int(d.centres[b])
    da = _hops(d.adj, inside, ca)
    db = _hops(d.adj, inside, cb)
    if (da < 0).any() or (db < 0).any():
        return None
    both_ok = st.viol[a] <= 1e-12 and st.viol[b] <= 1e-12
    m = d.m
    nv = s if both_ok else s + 4 * m
    col_cost = np.zeros(nv)
    col_cost[:s] = d.cost[M, a] - d.cost[M, b]
    lo = np.zeros(nv)
    hi = np.ones(nv)
    if not both_ok:
        hi[s:] = np.inf
    lo[inside[ca]] = 1.0
    hi[inside[cb]] = 0.0
    hi[:s][~d.allowed[M, a]] = 0.0
    lo[:s][~d.allowed[M, b]] = 1.0
    if (lo > hi).any():
        return None
    rows_idx: list[np.ndarray] = []
    rows_val: list[np.ndarray] = []
    rlo: list[float] = []
    rhi: list[float] = []
    meas = d.measures[M]
    tot = meas.sum(axis=0)
    if not both_ok:
        weight = 1e3 * (np.abs(col_cost[:s]).sum() + 1.0)
    for mm in range(m):
        ia = np.arange(s)
        ib = np.arange(s)
        va = meas[:, mm]
        vb = -meas[:, mm]
        if not both_ok:
            base = s + 4 * mm
            ia = np.append(ia, [base, base + 1])
            va = np.append(va, [1.0, -1.0])
            ib = np.append(ib, [base + 2, base + 3])
            vb = np.append(vb, [1.0, -1.0])
            col_cost[base] = weight / d.lo_scale[a, mm]
            col_cost[base + 1] = weight / d.up_scale[a, mm]
            col_cost[base + 2] = weight / d.lo_scale[b, mm]
            col_cost[base + 3] = weight / d.up_scale[b, mm]
        rows_idx += [ia, ib]
        rows_val += [va, vb]
        ma = 1e-7 * max(abs(d.upper[a, mm]), 1.0)
        mb = 1e-7 * max(abs(d.upper[b, mm]), 1.0)
        rlo += [d.lower[a, mm] + ma, d.lower[b, mm] - tot[mm] + mb]
        rhi += [d.upper[a, mm] - ma, d.upper[b, mm] - tot[mm] - mb]
    if d.budget is not None and d.c_dis >= 0:
        base_m = d.baseline[M]
        v = d.dis[M]
        coef = v * (base_m == b) - v * (base_m == a)
        cur_m = float((v * ((base_m >= 0) & (st.a[M] != base_m))).sum())
        other = (base_m >= 0) & (base_m != a) & (base_m != b)
        const = st.D - cur_m + float((v * (base_m == a)).sum()) + float(v[other].sum())
        rows_idx.append(np.arange(s))
        rows_val.append(coef)
        rlo.append(-np.inf)
        rhi.append(max(d.budget, st.D) - const)
    adj = d.adj
    if contiguity == "sp":
        for j, u in enumerate(M.tolist()):
            if u != ca:
                pa = [inside[w] for w in adj[u] if w in inside and da[inside[w]] < da[j]]
                rows_idx.append(np.asarray([j, *pa], dtype=np.int64))
                rows_val.append(np.asarray([1.0] + [-1.0] * len(pa)))
                rlo.append(-np.inf)
                rhi.append(0.0)
            if u != cb:
                pb = [inside[w] for w in adj[u] if w in inside and db[inside[w]] < db[j]]
                rows_idx.append(np.asarray([j, *pb], dtype=np.int64))
                rows_val.append(np.asarray([-1.0] + [1.0] * len(pb)))
                rlo.append(-np.inf)
                rhi.append(len(pb) - 1.0)
    lp = highspy.HighsLp()
    lp.num_col_ = nv
    lp.num_row_ = len(rlo)
    lp.col_cost_ = col_cost
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = np.asarray(rlo, dtype=float)
    lp.row_upper_ = np.asarray(rhi, dtype=float)
    _sparse_rows(rows_idx, rows_val, nv, lp)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * s + [highspy.HighsVarType.kContinuous] * (
        nv - s
    )
    h = _solver(time_limit)
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.passModel(lp)
    local = [[inside[w] for w in adj[u] if w in inside] for u in M.tolist()]
    roots = (inside[ca], inside[cb])
    cur = st.a[M] == a
    for _ in range(max_rounds if contiguity == "cuts" else 1):
        left = t_end - time.perf_counter()
        if left <= 0.01:
            return None
        h.setOptionValue("time_limit", float(left))
        if both_ok and contiguity == "cuts":
            h.setSolution(s, np.arange(s, dtype=np.int32), cur.astype(float))
        h.run()
        if h.getInfo().primal_solution_status != 2:  # 2 = feasible
            return None
        x = np.asarray(h.getSolution().col_value[:s]) > 0.5
        if contiguity != "cuts":
            break
        cuts = _cut_rows(local, x, roots)
        if not cuts:
            break
        starts = np.zeros(len(cuts) + 1, dtype=np.int32)
        starts[1:] = np.cumsum([len(c[0]) for c in cuts])
        idx = np.concatenate([c[0] for c in cuts]).astype(np.int32)
        val = np.concatenate([c[1] for c in cuts]).astype(float)
        h.addRows(
            len(cuts),
            np.full(len(cuts), -np.inf),
            np.asarray([c[2] for c in cuts], dtype=float),
            len(idx),
            starts[:-1].copy(),
            idx,
            val,
        )
    else:
        return None  # still cut off after max_rounds
    labels = st.a.copy()
    labels[M] = np.where(x, a, b)
    return labels


def _cut_rows(
    local: list[list[int]], x: np.ndarray, roots: tuple[int, int]
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Cut rows ``(indices, values, upper)`` for every piece cut off from its root.

    ``x[i]``: unit ``i`` on side ``a`` (root ``roots[0]``); side ``b`` is ``~x``."""
    s = len(local)
    comp = np.full(s, -1, dtype=np.int64)
    rows: list[tuple[np.ndarray, np.ndarray, float]] = []
    xl = x.tolist()
    for side, root in ((True, roots[0]), (False, roots[1])):
        # mark what the root reaches
        stack = [root]
        comp[root] = 0
        while stack:
            v = stack.pop()
            for w in local[v]:
                if comp[w] < 0 and xl[w] == side:
                    comp[w] = 0
                    stack.append(w)
    label = 1
    for s0 in range(s):
        if comp[s0] >= 0:
            continue
        side = xl[s0]
        members = [s0]
        comp[s0] = label
        stack = [s0]
        while stack:
            v = stack.pop()
            for w in local[v]:
                if comp[w] < 0 and xl[w] == side:
                    comp[w] = label
                    members.append(w)
                    stack.append(w)
        label += 1
        inC = set(members)
        bnd = sorted({w for v in members for w in local[v] if w not in inC})
        nb = np.asarray(bnd, dtype=np.int64)
        for v in members:
            ind = np.concatenate([[v], nb])
            if side:  # x_v <= sum x_j
                rows.append((ind, np.concatenate([[1.0], -np.ones(len(nb))]), 0.0))
            else:  # 1 - x_v <= sum (1 - x_j)
                rows.append((ind, np.concatenate([[-1.0], np.ones(len(nb))]), len(nb) - 1.0))
    return rows
