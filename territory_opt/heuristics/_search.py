"""Array-level machinery behind :mod:`territory_opt.heuristics.build` (private).

The search state keeps, for every territory, a depth-first spanning tree rooted at the
territory's centre with Tarjan low-links. In preorder every DFS subtree is one
interval, so the set of units that *depend* on a unit ``v`` for their connection to
the centre (``v`` plus the child subtrees whose low-link does not climb above ``v``)
is an interval minus a few sub-intervals, and all its sums (measures, cost towards
every territory, disruption, disallowed count) come from one prefix-sum matrix. A
*subtree move* sends ``v`` with its dependants to an adjacent territory; when nothing
depends on ``v`` it is the plain single-unit move, so one vectorised evaluation covers
both. Only the two territories touched by a move are re-traversed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _workclock

_EPS = 1e-12

# labels, DET rows, movable flags of the units of some territories; their S and viol
# rows; cost; disruption (see State.snapshot)
Snapshot = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float
]


@dataclass
class _Data:
    """Instance data normalised for the search (built once per ``build_plan`` call)."""

    n: int
    k: int
    m: int
    adj: list[list[int]]
    eu: np.ndarray  # directed edges, both orientations
    ev: np.ndarray
    measures: np.ndarray  # (n, m)
    lower: np.ndarray  # (k, m)
    upper: np.ndarray
    lo_scale: np.ndarray  # (k, m) divisor of a lower-bound shortfall
    up_scale: np.ndarray
    cost: np.ndarray  # (n, k) search cost = cost + disruption_weight * disruption
    raw_cost: np.ndarray  # (n, k) cost as given
    centres: np.ndarray
    is_centre: np.ndarray  # (n,) bool
    allowed: np.ndarray  # (n, k) bool
    baseline: np.ndarray  # (n,) int, -1 = none
    dis: np.ndarray  # (n,) disruption weight
    budget: float | None
    dis_weight: float
    X: np.ndarray  # (n, F) features summed over a moved set
    c_cost: int  # first cost column in X
    c_dis: int  # first disruption column (-1 when no disruption)
    c_bad: int  # first disallowed-count column (-1 when all allowed)
    grow_key: np.ndarray  # (n, k) growth priority, smaller first, inf when not allowed

    def dev_rows(self, S: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Squared relative distance to the middle of the band (guides the balance phase)."""
        mid = (self.lower[r] + self.upper[r]) / 2.0
        scale = (self.lo_scale[r] + self.up_scale[r]) / 2.0
        return (((S - mid) / scale) ** 2).sum(axis=-1)  # type: ignore[no-any-return]

    def viol_rows(self, S: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Total relative violation of territories ``r`` with measure sums ``S``."""
        lo = np.maximum(self.lower[r] - S, 0.0) / self.lo_scale[r]
        up = np.maximum(S - self.upper[r], 0.0) / self.up_scale[r]
        return (lo + up).sum(axis=-1)  # type: ignore[no-any-return]

    def budget_viol(self, D: np.ndarray | float) -> np.ndarray | float:
        if self.budget is None:
            return 0.0 * np.asarray(D)
        scale = self.budget if self.budget > 0 else max(float(self.dis.sum()), 1.0)
        return np.maximum(np.asarray(D) - self.budget, 0.0) / scale  # type: ignore[no-any-return]


def make_data(
    neighbors: tuple[np.ndarray, ...],
    measures: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    cost: np.ndarray,
    centres: np.ndarray,
    allowed: np.ndarray | None,
    baseline: np.ndarray | None,
    disruption: np.ndarray | None,
    budget: float | None,
    dis_weight: float,
    shape_weight: float = 0.02,
) -> _Data:
    """Normalise an instance for the search (symmetric graph, scales, feature matrix)."""
    n = len(neighbors)
    meas = np.asarray(measures, dtype=float).reshape(n, -1)
    m = meas.shape[1]
    cost = np.asarray(cost, dtype=float)
    k = cost.shape[1]
    lower = np.asarray(lower, dtype=float).reshape(k, m)
    upper = np.asarray(upper, dtype=float).reshape(k, m)
    centres = np.asarray(centres, dtype=np.int64)
    adj = _symmetric_adjacency(neighbors)
    eu = np.fromiter((i for i in range(n) for _ in adj[i]), dtype=np.int64)
    ev = np.fromiter((j for i in range(n) for j in adj[i]), dtype=np.int64)
    typical = np.where(meas.sum(axis=0) > 0, meas.sum(axis=0) / k, 1.0)
    allow = _allowed_with_centres(allowed, centres, n, k)
    base = (
        np.full(n, -1, dtype=np.int64) if baseline is None else np.asarray(baseline, dtype=np.int64)
    )
    dis = np.zeros(n) if disruption is None else np.asarray(disruption, dtype=float)
    if baseline is None:
        dis = np.zeros(n)
    search_cost = _search_cost(cost, base, dis, dis_weight if baseline is not None else 0.0)
    X, c_dis, c_bad = _features(meas, search_cost, base, dis, allow, baseline is not None)
    is_centre = np.zeros(n, dtype=bool)
    is_centre[centres] = True
    data = _Data(
        n=n,
        k=k,
        m=m,
        adj=adj,
        eu=eu,
        ev=ev,
        measures=meas,
        lower=lower,
        upper=upper,
        lo_scale=np.where(lower > 0, lower, typical),
        up_scale=np.where(upper > 0, upper, typical),
        cost=search_cost,
        raw_cost=cost,
        centres=centres,
        is_centre=is_centre,
        allowed=allow,
        baseline=base,
        dis=dis,
        budget=budget,
        dis_weight=float(dis_weight),
        X=X,
        c_cost=m,
        c_dis=c_dis,
        c_bad=c_bad,
        grow_key=np.zeros((n, k)),
    )
    data.grow_key = _growth_key(data)
    _add_shape_pull(data, cost, shape_weight)
    return data


def _symmetric_adjacency(neighbors: tuple[np.ndarray, ...]) -> list[list[int]]:
    """Neighbour lists without self-loops, made symmetric whatever the caller gave."""
    n = len(neighbors)
    adj = [
        sorted({int(j) for j in np.asarray(nb).ravel() if int(j) != i})
        for i, nb in enumerate(neighbors)
    ]
    for i in range(n):
        for j in adj[i]:
            if i not in adj[j]:
                adj[j].append(i)
    return adj


def _allowed_with_centres(
    allowed: np.ndarray | None, centres: np.ndarray, n: int, k: int
) -> np.ndarray:
    """Allowed (unit, territory) pairs; a centre is allowed in its own territory only."""
    allow = (
        np.ones((n, k), dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    )
    allow[centres, :] = False
    allow[centres, np.arange(k)] = True
    return allow


def _search_cost(
    cost: np.ndarray, base: np.ndarray, dis: np.ndarray, dis_weight: float
) -> np.ndarray:
    """Cost plus ``dis_weight`` times the disruption of leaving each unit's baseline rep."""
    search_cost = cost.copy()
    if dis_weight:
        n, k = cost.shape
        leave = np.zeros((n, k))
        has = base >= 0
        leave[has] = dis[has, None]
        leave[np.flatnonzero(has), base[has]] = 0.0
        search_cost = search_cost + dis_weight * leave
    return search_cost


def _features(
    meas: np.ndarray,
    search_cost: np.ndarray,
    base: np.ndarray,
    dis: np.ndarray,
    allow: np.ndarray,
    has_baseline: bool,
) -> tuple[np.ndarray, int, int]:
    """Feature matrix X (measures, cost, disruption, disallowed) and its c_dis, c_bad columns."""
    n, k = search_cost.shape
    m = meas.shape[1]
    cols = [meas, search_cost]
    c_dis = -1
    c_bad = -1
    width = m + k
    if has_baseline and dis.any():
        D = np.zeros((n, k))
        has = base >= 0
        D[np.flatnonzero(has), base[has]] = dis[has]
        cols.append(D)
        c_dis = width
        width += k
    if not allow.all():
        cols.append((~allow).astype(float))
        c_bad = width
        width += k
    return np.hstack(cols), c_dis, c_bad


def _add_shape_pull(data: _Data, cost: np.ndarray, shape_weight: float) -> None:
    """Add a small geographic pull (row-normalised growth key) to the search cost, in place.

    Zero-weight units cost nothing and would drift anywhere; the pull is in the
    *search* cost only (``data.cost`` and the cost columns of ``data.X``).
    """
    finite = np.where(np.isfinite(data.grow_key), data.grow_key, 1.0)
    scale = float(np.abs(cost).max(axis=1).mean()) if cost.size else 0.0
    reg = shape_weight * (scale if scale > 0 else 1.0) * finite
    data.cost = data.cost + reg
    data.X[:, data.c_cost : data.c_cost + data.k] += reg


def _growth_key(d: _Data) -> np.ndarray:
    """Row-normalised cost (``(d_ir / d_i,max)^p`` for ``w_i d^p`` costs).

    Units of zero weight have a zero cost row; they borrow the mean key of their
    neighbours (a few Jacobi sweeps) so that growth still follows geography.
    """
    c = d.raw_cost
    rmax = c.max(axis=1)
    key = np.zeros_like(c)
    pos = rmax > 0
    key[pos] = c[pos] / rmax[pos, None]
    missing = ~pos
    if missing.any() and pos.any():
        known = pos.copy()
        for _ in range(50):
            s = np.zeros_like(c)
            cnt = np.zeros(d.n)
            np.add.at(s, d.eu, np.where(known[d.ev, None], key[d.ev], 0.0))
            np.add.at(cnt, d.eu, known[d.ev].astype(float))
            fill = missing & ~known & (cnt > 0)
            if not fill.any():
                break
            key[fill] = s[fill] / cnt[fill, None]
            known |= fill
    return np.where(d.allowed, key, np.inf)


class State:
    """A plan under local search, with per-territory DFS trees and dependant sums."""

    def __init__(self, d: _Data, assign: np.ndarray) -> None:
        self.d = d
        self.a = np.asarray(assign, dtype=np.int64).copy()
        self.al: list[int] = self.a.tolist()
        self.S = np.zeros((d.k, d.m))
        np.add.at(self.S, self.a, d.measures)
        self.cost = float(d.cost[np.arange(d.n), self.a].sum())
        self.D = self._disruption()
        self.DET = np.zeros_like(d.X)
        self.movable = np.zeros(d.n, dtype=bool)
        self.stamp = [0] * d.n
        self.pos = [0] * d.n
        self.low = [0] * d.n
        self.tick = 0
        self.viol = d.viol_rows(self.S, np.arange(d.k))
        for r in range(d.k):
            self.refresh(r)

    def _disruption(self) -> float:
        d = self.d
        has = d.baseline >= 0
        return float(d.dis[has & (self.a != d.baseline)].sum())

    @property
    def V(self) -> float:  # noqa: N802 (the violation, named as in the docs)
        return float(self.viol.sum()) + float(self.d.budget_viol(self.D))

    def refresh(self, r: int) -> None:
        """Re-traverse territory ``r``: Tarjan DFS from its centre, dependant sums."""
        d = self.d
        self.tick += 1
        tick = self.tick
        stamp, pos, low, al, adj = self.stamp, self.pos, self.low, self.al, d.adj
        root = int(d.centres[r])
        order = [root]
        parent = [-1]
        stamp[root] = tick
        pos[root] = 0
        low[root] = 0
        size_idx: list[int] = [0]  # subtree end, filled on exit
        stack = [(root, 0)]
        while stack:
            v, ptr = stack[-1]
            nb = adj[v]
            ln = len(nb)
            pushed = False
            while ptr < ln:
                w = nb[ptr]
                ptr += 1
                if al[w] != r:
                    continue
                if stamp[w] != tick:
                    stamp[w] = tick
                    p = len(order)
                    pos[w] = p
                    low[w] = p
                    order.append(w)
                    parent.append(pos[v])
                    size_idx.append(0)
                    stack[-1] = (v, ptr)
                    stack.append((w, 0))
                    pushed = True
                    break
                if pos[w] < low[v]:
                    low[v] = pos[w]
            if pushed:
                continue
            stack.pop()
            size_idx[pos[v]] = len(order)
            if stack:
                u = stack[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
        s = len(order)
        idx = np.asarray(order, dtype=np.int64)
        P = np.zeros((s + 1, d.X.shape[1]))
        np.cumsum(d.X[idx], axis=0, out=P[1:])
        ends = np.asarray(size_idx, dtype=np.int64)
        starts = np.arange(s)
        full = P[ends] - P[starts]
        if s > 1:
            par = np.asarray(parent[1:], dtype=np.int64)
            lows = np.asarray([low[v] for v in order[1:]], dtype=np.int64)
            kept = lows < par  # child subtree stays attached through a back edge
            if kept.any():
                ch = np.flatnonzero(kept) + 1
                np.subtract.at(full, par[kept], P[ends[ch]] - P[ch])
        self.DET[idx] = full
        mv = np.ones(s, dtype=bool)
        mv[0] = False
        self.movable[idx] = mv
        # units labelled r but not reached are cut off (only after a bad repair)
        members = np.flatnonzero(self.a == r)
        if len(members) != s:
            reached = np.zeros(d.n, dtype=bool)
            reached[idx] = True
            self.movable[members[~reached[members]]] = False

    def dependants(self, v: int) -> list[int]:
        """``v`` and the units of its territory that lose their centre without it."""
        r = self.al[v]
        root = int(self.d.centres[r])
        seen = {v}
        stack = [root]
        seen.add(root)
        while stack:
            u = stack.pop()
            for w in self.d.adj[u]:
                if w not in seen and self.al[w] == r:
                    seen.add(w)
                    stack.append(w)
        members = np.flatnonzero(self.a == r).tolist()
        return [v] + [u for u in members if u not in seen]

    def candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """All (unit, to-territory) subtree moves across a territory border."""
        d = self.d
        lu = self.a[d.eu]
        lv = self.a[d.ev]
        mask = (lu != lv) & self.movable[d.eu]
        code = np.unique(d.eu[mask] * d.k + lv[mask])
        units = code // d.k
        to = code % d.k
        ok = self._allowed_moves(units, to)
        return units[ok], to[ok]

    def _allowed_moves(self, units: np.ndarray, to: np.ndarray | int) -> np.ndarray:
        """Mask of the subtree moves of ``units`` to ``to`` that take no unit where it is
        not allowed (all of them when every assignment is allowed)."""
        d = self.d
        if d.c_bad < 0:
            return np.ones(len(units), dtype=bool)
        return self.DET[units, d.c_bad + np.asarray(to)] < 0.5  # type: ignore[no-any-return]

    def evaluate(
        self, units: np.ndarray, to: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(dV, dC, dD, dQ) of each subtree move (dQ: change of squared deviation)."""
        d = self.d
        frm = self.a[units]
        det = self.DET[units]
        ms = det[:, : d.m]
        Sa = self.S[frm] - ms
        Sb = self.S[to] + ms
        dV = d.viol_rows(Sa, frm) + d.viol_rows(Sb, to) - self.viol[frm] - self.viol[to]
        dQ = (
            d.dev_rows(Sa, frm)
            + d.dev_rows(Sb, to)
            - d.dev_rows(self.S[frm], frm)
            - d.dev_rows(self.S[to], to)
        )
        rows = np.arange(len(units))
        dC = det[rows, d.c_cost + to] - det[rows, d.c_cost + frm]
        if d.c_dis >= 0:
            dD = det[rows, d.c_dis + frm] - det[rows, d.c_dis + to]
            if d.budget is not None:
                dV = dV + d.budget_viol(self.D + dD) - d.budget_viol(self.D)
        else:
            dD = np.zeros(len(units))
        return dV, dC, dD, dQ

    def move(self, v: int, to: int, *, refresh_to: bool = True) -> list[int]:
        """Apply the subtree move of ``v`` to ``to``; returns the moved units.

        With ``refresh_to=False`` the receiving territory is not re-traversed: its units'
        dependant sums and movable flags are stale until :meth:`refresh` (a chain of moves
        out of one territory needs only that territory's)."""
        frm = self.al[v]
        moved = self.dependants(v)
        self.relabel(moved, frm, to, refresh_to=refresh_to)
        return moved

    def border_moves(self, frm: int, to: int) -> np.ndarray:
        """The units of territory ``frm`` that a subtree move can send to ``to`` (sorted):
        :meth:`candidates` restricted to that pair of territories."""
        d = self.d
        mask = (self.a[d.eu] == frm) & (self.a[d.ev] == to)
        units = np.unique(d.eu[mask])
        units = units[self.movable[units]]
        return units[self._allowed_moves(units, to)]

    def relabel(self, units: list[int], frm: int, to: int, *, refresh_to: bool = True) -> None:
        d = self.d
        idx = np.asarray(units, dtype=np.int64)
        det = d.X[idx].sum(axis=0)
        for u in units:
            self.al[u] = to
        self.a[idx] = to
        ms = det[: d.m]
        self.S[frm] -= ms
        self.S[to] += ms
        self.cost += float(det[d.c_cost + to] - det[d.c_cost + frm])
        if d.c_dis >= 0:
            self.D += float(det[d.c_dis + frm] - det[d.c_dis + to])
        rr = np.asarray([frm, to])
        self.viol[rr] = d.viol_rows(self.S[rr], rr)
        self.refresh(frm)
        if refresh_to:
            self.refresh(to)

    def snapshot(self, rs: list[int]) -> Snapshot:
        """Everything a move between territories ``rs`` changes (see :meth:`restore`)."""
        idx = np.flatnonzero(np.isin(self.a, rs))
        rr = np.asarray(rs, dtype=np.int64)
        return (
            idx,
            self.a[idx].copy(),
            self.DET[idx].copy(),
            self.movable[idx].copy(),
            rr,
            self.S[rr].copy(),
            self.viol[rr].copy(),
            self.cost,
            self.D,
        )

    def restore(self, snap: Snapshot) -> None:
        """Undo the moves made since :meth:`snapshot` (they must stay within its territories)."""
        idx, lab, det, mov, rr, S, viol, cost, D = snap
        self.a[idx] = lab
        al = self.al
        for u, r in zip(idx.tolist(), lab.tolist(), strict=True):
            al[u] = r
        self.DET[idx] = det
        self.movable[idx] = mov
        self.S[rr] = S
        self.viol[rr] = viol
        self.cost = cost
        self.D = D

    def set_assignment(self, assign: np.ndarray, touched: list[int]) -> None:
        """Replace labels wholesale and refresh the territories in ``touched``."""
        d = self.d
        self.a = np.asarray(assign, dtype=np.int64).copy()
        self.al = self.a.tolist()
        self.S = np.zeros((d.k, d.m))
        np.add.at(self.S, self.a, d.measures)
        self.cost = float(d.cost[np.arange(d.n), self.a].sum())
        self.D = self._disruption()
        self.viol = d.viol_rows(self.S, np.arange(d.k))
        for r in touched:
            self.refresh(r)


def better(v1: float, c1: float, v2: float, c2: float, tol: float = 1e-9) -> bool:
    """Lexicographic (violation, cost) comparison: is (v1, c1) strictly better?"""
    if v1 < v2 - tol:
        return True
    if v1 > v2 + tol:
        return False
    return c1 < c2 - 1e-9 * max(1.0, abs(c2))


def now() -> float:
    """The search's clock: the work clock of :mod:`territory_opt.heuristics._workclock` when counted."""
    return _workclock.now()
