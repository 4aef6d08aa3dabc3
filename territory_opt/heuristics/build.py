"""Fast balanced, contiguous plans: region growing + local search.

Works on plain arrays (a unit graph as neighbour lists, measures, bounds, a cost
matrix) so that the MILP layer can use it as a warm start and as a fallback.

Method
------
1. **Region growing** from the centres: the territory furthest below its target
   (mean fill over the measures) takes its cheapest adjacent free unit, by a
   row-normalised cost (units of zero weight borrow their neighbours' key).
   ``allowed`` is respected; a caller's ``start`` plan is repaired (centres put back,
   disallowed units and pieces cut off from their centre released) and regrown.
2. **Flow rebalancing (ejection chains)**: a min-cost flow on the territory adjacency
   graph routes each territory's excess load (all measures averaged, then each measure
   alone, in turn) to the territories short of it; every edge's flow is carried by
   subtree moves across that border, cheapest cost per unit of load first. On Normandy
   this takes the LP start from a total violation of ~8 to ~1 in under a second and
   is what makes balance reachable in a few seconds (``flow=False`` disables it).
3. **Tabu local search** on the lexicographic objective (total relative violation of
   the bounds and of the disruption budget, then cost). One vectorised evaluation
   covers every *subtree move*: a border unit goes to an adjacent territory together
   with the units that depend on it for their connection to the centre (found from a
   Tarjan DFS per territory; a unit nobody depends on is the single-unit move, a
   non-articulation unit). Moving back is tabu for a few iterations.
4. **Swaps / ejection pairs**: when no move improves, the best few moves are tried
   together with the best follow-up move out of either territory touched (covers
   swaps of border units) and kept only if the pair improves.
   **Balance polish**: when the violation is small (``<= 0.05``) but has not fallen
   for 100 tabu iterations, every subtree move into or out of a violated territory,
   from or to any neighbour, is scored alone and in pairs, including pairs across two
   different borders (A->B with C->A). On Normandy with a 40 % (or 30 %) disruption
   budget this removes the last violation (~0.004, one territory over on workload and
   under on potential) that the flow, tabu and single-border swaps left. (Moving a
   unit together with a chain of zero-disruption connector units was also tried: it
   did not change the result there and was dropped.)
5. **Strategic oscillation** once balanced: tabu search on cost plus an adaptive
   penalty on the violation (``oscillation=False`` disables it).
6. **Recombination** of two adjacent territories: their union is re-split by a small
   exact MILP (HiGHS, shortest-path contiguity), see ``_heuristics_recom``; when pairs
   stop improving, a territory is re-split with two of its neighbours (most promising
   groups first, a group already tried on the same split is skipped). On Normandy
   (17 homes) three-territory groups took a converged plan from 19.47 to 18.83 M
   (Σ workload·km²) where pairs, tabu and oscillation had stopped.
   Once balanced, tabu search stops after a tenth of its usual stall count: as a plain
   cost descent it only found crumbs there (3,000 idle iterations took 22 s).
7. Perturbation (random kicks from the best plan, each followed by flow rebalancing) and **restarts** from a noisy
   growth while time remains; the best plan is kept. When the first start did not reach balance and
   there is a current plan, the next start is the repaired current plan (Brittany, 14
   reps: balanced from it in 8-10 s for every objective, never from the LP start).

Deterministic for a given seed up to the time limit: the number of iterations done
depends on the machine's speed, so two runs agree exactly only when the search stops
on its own (convergence) before the limit, which is the case on small instances. The
HiGHS solves (LP start, recombinations) have their own time limits, another source of
time dependence. On Normandy (10 s) seeds 0-4 gave the same plan: the LP start and the
flow phase do not use the seed, and the later phases converged before the limit.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy import sparse

from ..graph.core import adjacency_matrix, component_labels, node_weighted_distances
from . import _search as hs
from . import _workclock
from ._recom import lp_start, min_disruption_bound, recombine
from ._shaping import BALANCE_WEIGHT, POLISH_WEIGHT, blend

__all__ = [
    "HeuristicInstance",
    "HeuristicResult",
    "build_plan",
    "choose_centres",
    "dense_units",
    "is_contiguous",
]

logger = logging.getLogger(__name__)

_TOL = 1e-9
_POLISH = 0.05  # total violation below which the balance polish runs
_POLISH_STALL = 100  # tabu iterations without a violation decrease before polishing
_STALL_GAIN = 1e-4  # relative cost gain that counts as progress once balanced (tabu)


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


# --------------------------------------------------------------------------- search


class _Search:
    def __init__(self, d: hs._Data, rng: np.random.Generator, deadline: float, t0: float):
        self.d = d
        self.rng = rng
        self.deadline = deadline
        self.t0 = t0
        self.best_a: np.ndarray | None = None
        self.best_v = np.inf
        self.best_c = np.inf
        self.trajectory: list[tuple[float, float, float]] = []
        self.visits: list[tuple[float, float, np.ndarray]] = []  # (seconds, violation, plan)
        self.keep_visits = False
        self.guide = 1.0
        # disruption-aware balancing: a price on disruption in the balance phase
        # (violation units per unit of disruption, see ``set_disruption_price``)
        self.aware = d.c_dis >= 0 and (d.budget is not None or d.dis_weight > 0)
        self.dref = 0.0
        # recombinations that found nothing better: (group, its units, their labels)
        self.tried: set[tuple[tuple[int, ...], int, int]] = set()

    def price(self, st: hs.State) -> float:
        """Violation units per unit of disruption in the balance phase: spending what is
        left of the budget (or, without a budget, a reference amount ``dref``) should buy
        back at least half of the current violation. It falls with the violation, so
        that the last steps to balance are not blocked by it."""
        if not self.aware or st.V <= _TOL:
            return 0.0
        d = self.d
        if d.budget is not None:
            ref = max(d.budget - st.D, 0.05 * d.budget, _TOL)
        else:
            ref = max(self.dref, _TOL)
        return 0.5 * st.V / ref

    def within_budget(self, st: hs.State, dD: np.ndarray) -> np.ndarray:
        """Moves that keep the budget (all of them while it is already broken)."""
        b = self.d.budget
        if b is None:
            return np.ones(len(dD), dtype=bool)
        cur = float(st.D)
        if cur - b > _TOL * max(1.0, b):
            return np.ones(len(dD), dtype=bool)
        return cur + dD <= b + _TOL * max(1.0, b)  # type: ignore[no-any-return]

    def left(self) -> float:
        return self.deadline - hs.now()

    def offer(self, st: hs.State) -> bool:
        if hs.better(st.V, st.cost, self.best_v, self.best_c):
            self.best_v, self.best_c = st.V, st.cost
            self.best_a = st.a.copy()
            self.trajectory.append((hs.now() - self.t0, self.best_v, self.best_c))
            if self.keep_visits:
                self.visits.append((hs.now() - self.t0, self.best_v, self.best_a))
            return True
        return False

    # ---- tabu search over subtree moves -------------------------------------------
    def tabu(
        self, st: hs.State, stall: int, use_pairs: bool = True
    ) -> tuple[np.ndarray, float, float]:
        """Tabu search from ``st``; returns the best plan it visited (and leaves ``st`` at
        the last one)."""
        d = self.d
        rng = self.rng
        tabu = np.zeros((d.n, d.k), dtype=np.int64)
        best_a, best_v, best_c = st.a.copy(), st.V, st.cost
        it = 0
        last = 0
        last_v = 0  # last iteration that lowered the best violation
        mark = best_c  # cost at the last real gain (see below)
        polished = np.inf  # best violation the balance polish was last tried at
        # once balanced, tabu is a plain descent on cost: oscillation and recombination
        # do that better, so it stops sooner (3,000 idle iterations took 22 s on Normandy)
        calm = max(30, stall // 10)
        while it - last < (calm if best_v <= _TOL else stall) and hs.now() < self.deadline:
            it += 1
            if (
                _TOL < best_v <= _POLISH
                and it - last_v >= _POLISH_STALL
                and best_v < polished - _TOL
            ):
                # the violation is small but stuck: polish the best plan
                polished = best_v
                st.set_assignment(best_a, list(range(d.k)))
                if self.polish(st):
                    best_a, best_v, best_c = st.a.copy(), st.V, st.cost
                    last = last_v = it
                    polished = best_v
            units, to = st.candidates()
            if len(units) == 0:
                break
            dV, dC, dD, dQ = st.evaluate(units, to)
            V0, C0 = st.V, st.cost
            newV = V0 + dV
            newC = C0 + dC
            asp = (newV < best_v - _TOL) | (
                (np.abs(newV - best_v) <= _TOL) & (newC < best_c - 1e-9 * max(1.0, abs(best_c)))
            )
            ok = (tabu[units, to] <= it) | asp
            if self.aware:
                ok &= self.within_budget(st, dD)
            if not ok.any():
                ok[:] = True
            key = dV + self.guide * dQ if V0 > _TOL else dV
            nu = self.price(st)
            if nu > 0:
                key = key + nu * dD
            order = self._lex_order(key, dC, ok)
            j = order[0]
            improving = dV[j] < -_TOL or (dV[j] <= _TOL and dC[j] < -1e-9 * max(1.0, abs(C0)))
            if not improving and use_pairs and self._pair_move(st, units, to, order[:4], tabu, it):
                pass
            else:
                v, t = int(units[j]), int(to[j])
                frm = st.al[v]
                moved = st.move(v, t)
                tabu[moved, frm] = it + 7 + int(rng.integers(0, 10))
            if hs.better(st.V, st.cost, best_v, best_c):
                if best_v - st.V > _TOL:
                    last_v = it
                # once balanced, only a real cost gain renews the stall counter: tiny
                # gains every iteration kept the first tabu run going for the whole time
                # on Normandy, leaving nothing for oscillation and recombination
                if st.V > _TOL or best_v > _TOL or st.cost < mark * (1 - _STALL_GAIN):
                    last = it
                    mark = st.cost
                best_a, best_v, best_c = st.a.copy(), st.V, st.cost
                self.offer(st)
        return best_a, best_v, best_c

    def swap_repair(self, st: hs.State, rounds: int = 50) -> bool:
        """Swaps across one border for the violated territories: every (out, in) pair of
        subtree moves between a violated territory ``r`` and a neighbour ``t`` is scored
        at once (only ``r`` and ``t`` change); the best pair that lowers the violation is
        applied, checked move by move. Fixes the last mixed violations (one measure over,
        the other under) that single moves cannot."""
        d = self.d
        improved = False
        for _ in range(rounds):
            if st.V <= _TOL or self.left() <= 0:
                break
            units, to = st.candidates()
            frm = st.a[units]
            _, _, dD, _ = st.evaluate(units, to)
            best: tuple[float, int, int] | None = None
            for r in np.argsort(-st.viol).tolist():
                if st.viol[r] <= _TOL:
                    break
                for t in np.unique(to[frm == r]).tolist():
                    o = np.flatnonzero((frm == r) & (to == t))
                    i = np.flatnonzero((frm == t) & (to == r))
                    if len(o) == 0 or len(i) == 0:
                        continue
                    mo = st.DET[units[o], : d.m]
                    mi = st.DET[units[i], : d.m]
                    delta = mi[None, :, :] - mo[:, None, :]  # into r
                    rr = np.asarray([r])
                    tt = np.asarray([t])
                    vr = d.viol_rows(st.S[r] + delta, rr)
                    vt = d.viol_rows(st.S[t] - delta, tt)
                    dv = vr + vt - st.viol[r] - st.viol[t]
                    if d.budget is not None:
                        newD = st.D + dD[o][:, None] + dD[i][None, :]
                        dv = dv + d.budget_viol(newD) - d.budget_viol(st.D)
                    j = int(np.argmin(dv))
                    jo, ji = divmod(j, len(i))
                    val = float(dv.flat[j])
                    if val < -_TOL and (best is None or val < best[0]):
                        best = (val, int(units[o[jo]]), int(units[i[ji]]))
            if best is None:
                break
            _, uo, ui = best
            r, t = st.al[uo], st.al[ui]
            V0 = st.V
            snap = st.snapshot([r, t])
            st.move(uo, t)
            if st.al[ui] == t and st.movable[ui] and any(st.al[w] == r for w in d.adj[ui]):
                st.move(ui, r)
            if st.V < V0 - _TOL:
                improved = True
                self.offer(st)
            else:
                st.restore(snap)
                break
        return improved

    # ---- balance polish: compound moves touching a violated territory ---------------
    def _border_sets(self, st: hs.State, src: int, dst: int) -> list[np.ndarray]:
        """Subtree moves from ``src`` to ``dst`` as explicit unit sets: each unit of
        ``src`` on its border with ``dst`` with the units of ``src`` cut off from its
        centre without it (units whose set holds no measure are skipped)."""
        d = self.d
        al, adj = st.al, d.adj
        centre = int(d.centres[src])
        members = np.flatnonzero(st.a == src).tolist()
        out: list[np.ndarray] = []
        for u in members:
            if u == centre or not any(al[w] == dst for w in adj[u]):
                continue
            seen = {centre, u}
            stack = [centre]
            while stack:
                x = stack.pop()
                for w in adj[x]:
                    if al[w] == src and w not in seen:
                        seen.add(w)
                        stack.append(w)
            idx = np.asarray([u] + [x for x in members if x not in seen], dtype=np.int64)
            if d.allowed[idx, dst].all() and d.measures[idx].any():
                out.append(idx)
        return out

    def _contiguous(self, st: hs.State, rs: list[int]) -> bool:
        d = self.d
        al, adj = st.al, d.adj
        for r in rs:
            c = int(d.centres[r])
            if al[c] != r:
                return False
            seen = {c}
            stack = [c]
            while stack:
                x = stack.pop()
                for w in adj[x]:
                    if al[w] == r and w not in seen:
                        seen.add(w)
                        stack.append(w)
            if len(seen) != int((st.a == r).sum()):
                return False
        return True

    def polish(self, st: hs.State, rounds: int = 30, max_pairs: int = 1500) -> bool:
        """Balance polish for a small remaining violation: for each violated territory
        ``r``, every subtree move into ``r`` from, or out of ``r`` to, any neighbour
        (see :meth:`_border_sets`) is scored alone and in pairs, including pairs across
        two different borders (A->B with C->A) that :meth:`swap_repair` does not see; the
        best combinations that lower the total violation within the budget are applied
        and checked (contiguity). Tabu calls it when a small violation stalls."""
        d = self.d
        improved = False
        base = d.baseline
        has = base >= 0
        cap = np.inf if d.budget is None else d.budget + _TOL * max(1.0, d.budget)
        for _ in range(rounds):
            if st.V <= _TOL or self.left() <= 0:
                break
            V0 = st.V
            found = False
            for r in np.argsort(-st.viol).tolist():
                if st.viol[r] <= _TOL or self.left() <= 0:
                    break
                nbrs = np.unique(st.a[d.ev[st.a[d.eu] == r]])
                nbrs = nbrs[nbrs != r].tolist()
                sets: list[np.ndarray] = []
                other: list[int] = []
                sign: list[float] = []
                for t in nbrs:
                    for idx in self._border_sets(st, t, r):
                        sets.append(idx)
                        other.append(t)
                        sign.append(1.0)
                    for idx in self._border_sets(st, r, t):
                        sets.append(idx)
                        other.append(t)
                        sign.append(-1.0)
                if not sets:
                    continue
                tt = np.asarray(other, dtype=np.int64)
                sg = np.asarray(sign)
                E = np.stack([d.measures[idx].sum(axis=0) for idx in sets]) * sg[:, None]
                src = np.where(sg > 0, tt, r)
                dst = np.where(sg > 0, r, tt)
                dD = np.zeros(len(sets))
                dC = np.zeros(len(sets))
                for q, idx in enumerate(sets):
                    dC[q] = d.cost[idx, dst[q]].sum() - d.cost[idx, src[q]].sum()
                    if d.c_dis >= 0:
                        h = has[idx]
                        b = base[idx]
                        w = d.dis[idx]
                        dD[q] = (w * (h & (b != dst[q]))).sum() - (w * (h & (b != src[q]))).sum()
                rr = np.asarray([r])
                vr1 = d.viol_rows(st.S[r] + E, rr) - st.viol[r]
                vt1 = d.viol_rows(st.S[tt] - E, tt) - st.viol[tt]
                bv0 = float(d.budget_viol(st.D))
                dv1 = vr1 + vt1 + np.asarray(d.budget_viol(st.D + dD)) - bv0
                if self.aware:
                    okb = self.within_budget(st, dD)
                    dv1 = np.where(okb, dv1, np.inf)
                # pairs among the best candidates (by single-move change of r)
                keep = np.argsort(vr1 + 1e-9 * np.arange(len(sets)))[:max_pairs]
                Ek, tk, dDk = E[keep], tt[keep], dD[keep]
                er = Ek[:, None, :] + Ek[None, :, :]
                vr2 = d.viol_rows(st.S[r] + er, rr) - st.viol[r]
                same = tk[:, None] == tk[None, :]
                vt_sep = vt1[keep][:, None] + vt1[keep][None, :]
                vt_same = d.viol_rows(st.S[tk][:, None, :] - er, tk[:, None]) - st.viol[tk][:, None]
                D2 = st.D + dDk[:, None] + dDk[None, :]
                dv2 = vr2 + np.where(same, vt_same, vt_sep)
                dv2 = dv2 + np.asarray(d.budget_viol(D2)) - bv0
                if self.aware and d.budget is not None and cap >= st.D:
                    dv2 = np.where(cap >= D2, dv2, np.inf)
                np.fill_diagonal(dv2, np.inf)
                dC2 = dC[keep][:, None] + dC[keep][None, :]
                # try the best few combinations, singles and pairs, best first
                tries: list[tuple[float, float, list[int]]] = []
                for q in np.argsort(dv1)[:5].tolist():
                    if dv1[q] < -_TOL:
                        tries.append((float(dv1[q]), float(dC[q]), [q]))
                flat = np.argsort(dv2, axis=None)[:20].tolist()
                for f in flat:
                    i, j = divmod(int(f), len(keep))
                    if dv2[i, j] < -_TOL and i < j:
                        tries.append(
                            (float(dv2[i, j]), float(dC2[i, j]), [int(keep[i]), int(keep[j])])
                        )
                tries.sort(key=lambda x: (round(x[0], 12), x[1]))
                for _val, _c, qs in tries:
                    touched = sorted({r, *[int(tt[q]) for q in qs]})
                    units_all = np.concatenate([sets[q] for q in qs])
                    if len(np.unique(units_all)) != len(units_all):
                        continue
                    if any((st.a[sets[q]] != src[q]).any() for q in qs):
                        continue
                    snap = st.snapshot(touched)
                    for q in qs:
                        st.relabel(sets[q].tolist(), int(src[q]), int(dst[q]))
                    ok_b = cap >= st.D
                    if (
                        st.V < V0 - _TOL
                        and (ok_b or not self.aware)
                        and self._contiguous(st, touched)
                    ):
                        found = True
                        break
                    st.restore(snap)
                if found:
                    break
            if not found:
                break
            improved = True
            self.offer(st)
        return improved

    def oscillate(self, st: hs.State, stall: int, max_iter: int) -> tuple[np.ndarray, float, float]:
        """Strategic oscillation from a (usually feasible) plan: tabu search on
        ``cost + lam * violation`` with ``lam`` adapted so that the search crosses the
        feasibility border back and forth; returns the best *feasible* plan visited
        (the start if none is better)."""
        d = self.d
        rng = self.rng
        tabu = np.zeros((d.n, d.k), dtype=np.int64)
        best_a, best_v, best_c = st.a.copy(), st.V, st.cost
        lam = max(abs(st.cost), 1.0) * 0.5
        lam_lo, lam_hi = lam * 1e-3, lam * 1e3
        it = 0
        last = 0
        infeasible = 0
        while it - last < stall and it < max_iter and hs.now() < self.deadline:
            it += 1
            units, to = st.candidates()
            if len(units) == 0:
                break
            dV, dC, _, _ = st.evaluate(units, to)
            newV = st.V + dV
            newC = st.cost + dC
            asp = (newV <= _TOL) & (newC < best_c - 1e-9 * max(1.0, abs(best_c)))
            ok = (tabu[units, to] <= it) | asp
            if not ok.any():
                ok[:] = True
            f = np.where(ok, dC + lam * dV, np.inf)
            f = f + rng.random(len(f)) * 1e-9 * (np.abs(f[ok]).max(initial=0.0) + 1.0)
            j = int(np.argmin(f))
            v, t = int(units[j]), int(to[j])
            frm = st.al[v]
            moved = st.move(v, t)
            tabu[moved, frm] = it + 10 + int(rng.integers(0, 15))
            if st.V > _TOL:
                infeasible += 1
            if it % 8 == 0:
                # mostly infeasible lately: penalty up; mostly feasible: down
                lam = min(lam * 1.6, lam_hi) if infeasible >= 4 else max(lam / 1.6, lam_lo)
                infeasible = 0
            if hs.better(st.V, st.cost, best_v, best_c):
                best_a, best_v, best_c = st.a.copy(), st.V, st.cost
                last = it
                self.offer(st)
        return best_a, best_v, best_c

    def flow_balance(self, st: hs.State, max_moves: int, measure: int = -1) -> None:
        """Ejection chains along a transfer plan: a min-cost flow on the territory
        adjacency graph routes every territory's excess (mean relative load over the
        measures) to the territories short of it; each edge's flow is then carried by
        subtree moves across that border, cheapest cost per unit of load first.
        ``measure >= 0`` balances that measure alone (the others' excess is ignored)."""
        d = self.d
        mid = (d.lower + d.upper) / 2.0
        unit_scale = np.where(mid.mean(axis=0) > 0, mid.mean(axis=0), 1.0)
        cols = slice(None) if measure < 0 else slice(measure, measure + 1)
        excess = (st.S / unit_scale - mid / unit_scale)[:, cols].mean(axis=1)
        big = 1000.0
        dem = np.round(excess * big).astype(np.int64)
        dem[int(np.argmax(np.abs(dem)))] -= int(dem.sum())
        if not (np.abs(dem) > 0.01 * big).any():
            return
        la, lb = st.a[d.eu], st.a[d.ev]
        border = la != lb
        g = nx.DiGraph()
        for r in range(d.k):
            g.add_node(r, demand=-int(dem[r]))
        for x, y in set(zip(la[border].tolist(), lb[border].tolist(), strict=True)):
            g.add_edge(x, y, weight=1)
        try:
            flow = nx.min_cost_flow(g)
        except (nx.NetworkXUnfeasible, nx.NetworkXError):
            return
        edges = sorted(
            ((f / big, x, y) for x, fx in flow.items() for y, f in fx.items() if f > 0),
            key=lambda e: -e[0],
        )
        moves = 0
        for f, x, y in edges:
            remaining = f
            while remaining > 0.005 and moves < max_moves:
                units, to = st.candidates()
                sel = (st.a[units] == x) & (to == y)
                if not sel.any():
                    break
                u, t = units[sel], to[sel]
                load = (st.DET[u, : d.m] / unit_scale)[:, cols].mean(axis=1)
                fit = load <= remaining * 1.25 + 1e-12
                if not fit.any():
                    break
                _, dC, dD, _ = st.evaluate(u, t)
                if self.aware:
                    fit &= self.within_budget(st, dD)
                    if not fit.any():
                        break
                    # disruption per unit of load first, cost per load as a tie-break
                    # (ranking by the smallest load over the measures, to avoid lopsided
                    # units, was tried: it spent the budget faster on Normandy)
                    cs = max(abs(st.cost), 1.0) / d.n
                    per = (dD * self.price(st) + 1e-6 * dC / cs) / np.maximum(load, 1e-6)
                    per = np.where(fit, per, np.inf)
                else:
                    per = np.where(fit, dC / np.maximum(load, 1e-6), np.inf)
                j = int(np.argmin(per))
                st.move(int(u[j]), y)
                remaining -= float(load[j])
                moves += 1
        self.offer(st)

    def flow_rounds(self, st: hs.State, rounds: int = 12, patience: int = 3) -> None:
        """:meth:`flow_balance` rounds (all measures, then each alone, in turn) while the
        violation improves; leaves ``st`` at the least violated plan seen."""
        if self.d.k < 2:
            return
        best_a, best_v, best_c = st.a.copy(), st.V, st.cost
        cycle = [-1, *range(self.d.m)] if self.d.m > 1 else [-1]
        bad = 0
        for r in range(rounds):
            if best_v <= _TOL or bad >= patience or self.left() <= 0:
                break
            self.flow_balance(st, 4 * self.d.n, cycle[r % len(cycle)])
            if hs.better(st.V, st.cost, best_v, best_c):
                best_a, best_v, best_c = st.a.copy(), st.V, st.cost
                bad = 0
            else:
                bad += 1
        if not np.array_equal(best_a, st.a):
            st.set_assignment(best_a, list(range(self.d.k)))

    def _lex_order(self, dV: np.ndarray, dC: np.ndarray, ok: np.ndarray) -> np.ndarray:
        dVr = np.where(ok, np.round(dV, 12), np.inf)
        noise = self.rng.random(len(dV)) * 1e-12
        return np.lexsort((dC + noise * (np.abs(dC) + 1.0), dVr))[: int(ok.sum())]

    def _pair_move(
        self,
        st: hs.State,
        units: np.ndarray,
        to: np.ndarray,
        first: np.ndarray,
        tabu: np.ndarray,
        it: int,
    ) -> bool:
        """Try the ``first`` moves each followed by the best move out of a touched
        territory; keep the first pair that improves (swaps and short ejections)."""
        V0, C0 = st.V, st.cost
        for j in first.tolist():
            v, t = int(units[j]), int(to[j])
            frm = st.al[v]
            snap = st.snapshot([frm, t])
            moved = st.move(v, t)
            u2, t2 = st.candidates()
            sel = (st.a[u2] == t) | (st.a[u2] == frm)
            sel &= ~np.isin(u2, moved) | (t2 != frm) | (st.a[u2] != t)
            u2, t2 = u2[sel], t2[sel]
            if len(u2):
                dV2, dC2, _, _ = st.evaluate(u2, t2)
                o = np.lexsort((dC2, np.round(dV2, 12)))[0]
                if hs.better(st.V + dV2[o], st.cost + dC2[o], V0, C0):
                    v2, q = int(u2[o]), int(t2[o])
                    f2 = st.al[v2]
                    moved2 = st.move(v2, q)
                    tabu[moved, frm] = it + 7 + int(self.rng.integers(0, 10))
                    tabu[moved2, f2] = it + 7 + int(self.rng.integers(0, 10))
                    return True
            st.restore(snap)
        return False

    # ---- recombination --------------------------------------------------------------
    def recombine_pass(self, st: hs.State, per_group: float, size: int = 2) -> bool:
        """One pass of MILP recombination over groups of ``size`` adjacent territories
        (pairs; or a territory with ``size - 1`` of its neighbours), most promising
        first: the groups holding the most cost "against the grain" (above what each
        unit would cost in its cheapest territory of the group) and the most violation."""
        d = self.d
        la, lb = st.a[d.eu], st.a[d.ev]
        border = la != lb
        nbrs: list[set[int]] = [set() for _ in range(d.k)]
        for x, y in set(zip(la[border].tolist(), lb[border].tolist(), strict=True)):
            nbrs[x].add(y)
        groups: set[tuple[int, ...]] = set()
        for t in range(d.k):
            for rest in itertools.combinations(sorted(nbrs[t]), size - 1):
                groups.add(tuple(sorted((t, *rest))))
        cur = d.cost[np.arange(d.n), st.a]
        scored = []
        for g in sorted(groups):
            Ta = np.asarray(g, dtype=np.int64)
            M = np.flatnonzero(np.isin(st.a, Ta))
            gain = cur[M].sum() - d.cost[np.ix_(M, Ta)].min(axis=1).sum() + st.viol[Ta].sum()
            scored.append((-float(gain), g))
        scored.sort()
        improved = False
        for neg_gain, g in scored:
            if self.left() < 0.05:
                break
            if -neg_gain <= 1e-9 * max(1.0, st.cost):
                continue
            T = list(g)
            if size == 2 and not (((st.a[d.eu] == T[0]) & (st.a[d.ev] == T[1])).any()):
                continue  # no longer adjacent after an earlier recombination
            M = np.flatnonzero(np.isin(st.a, T))
            key = (g, hash(M.tobytes()), hash(st.a[M].tobytes()))
            if key in self.tried:
                continue  # same territories, same split: tried already, in vain
            labels = recombine(st, T, min(per_group, self.left() - 0.02))
            if labels is None:
                self.tried.add(key)
                continue
            if not (labels != st.a).any():
                self.tried.add(key)
                continue
            old = st.a.copy()
            V0, C0 = st.V, st.cost
            st.set_assignment(labels, T)
            if hs.better(st.V, st.cost, V0, C0) and self._contiguous(st, T):
                improved = True
                self.offer(st)
            else:
                st.set_assignment(old, T)
                self.tried.add(key)
        return improved

    def kick(self, st: hs.State, moves: int) -> None:
        """Random small subtree moves (perturbation)."""
        for _ in range(moves):
            units, to = st.candidates()
            if len(units) == 0:
                return
            small = st.DET[units, : self.d.m].sum(axis=1)
            cut = np.quantile(small, 0.5)
            pick = np.flatnonzero(small <= cut)
            j = int(self.rng.choice(pick))
            st.move(int(units[j]), int(to[j]))


def build_plan(
    inst: HeuristicInstance,
    *,
    seed: int = 0,
    time_limit: float = 10.0,
    start: np.ndarray | None = None,
    recombination: bool = True,
    recombination_seconds: float = 0.5,
    group_seconds: float = 2.0,
    lp: bool = True,
    oscillation: bool = True,
    flow: bool = True,
) -> HeuristicResult:
    """Build a balanced, contiguous, compact plan.

    With a shaping cost (``inst.shaping``, see :mod:`territory_opt.heuristics._shaping`)
    each attempt runs in two phases: the plan is built and balanced on the shaping cost,
    then the balanced plan is improved on the cost itself (plus 0.02 of the shaping cost,
    a tie-break) by moves that keep balance (recombination MILPs with the true cost,
    oscillation, tabu). Starting the balance phase from the current plan instead (the
    "sales manager's" repair) was measured and dropped: on Normandy the flow and tabu
    moves could not carry load across borders of communes without accounts and the worst
    territory stayed 19-41 % off target.

    Parameters
    ----------
    inst : HeuristicInstance
        The instance (not modified).
    seed : int
        Seed of every random choice (tie-breaks, tabu tenures, kicks, restarts).
    time_limit : float
        Wall-clock seconds; the search stops earlier when it converges.
    start : (n,) int array, optional
        A plan to start from (e.g. the current alignment); repaired if needed.
    recombination : bool
        Use MILP recombination of adjacent territory pairs and, once pairs, tabu and
        oscillation stop improving, of each territory with two of its neighbours
        (needs ``highspy``).
    recombination_seconds : float
        HiGHS time limit per pair recombination.
    group_seconds : float
        HiGHS time limit per three-territory recombination.
    lp : bool
        Start from the rounded and repaired LP relaxation of the balanced assignment
        (HiGHS) instead of plain region growing.
    flow : bool
        Rebalance by ejection chains along a min-cost transfer flow between adjacent
        territories before (and between) the tabu phases.
    oscillation : bool
        Once balanced, improve compactness by strategic oscillation (tabu search on
        cost plus an adaptive penalty on the violation, crossing the feasibility border).

    Returns
    -------
    HeuristicResult
        The best plan found, balance first, then cost (including disruption weight).
    """
    t0 = hs.now()
    deadline = t0 + float(time_limit)
    shaping = inst.shaping
    d = _data(inst, blend(inst.cost, shaping, POLISH_WEIGHT))
    dA = d if shaping is None else _data(inst, blend(shaping, inst.cost, BALANCE_WEIGHT))
    rng = np.random.default_rng(seed)
    search = _Search(d, rng, deadline, t0)
    if search.aware and d.budget is None:
        # minimum-disruption mode: price disruption against a reference amount, the LP
        # bound on the minimum (times 1.5), or a quarter of the total
        lb = min_disruption_bound(d, min(2.0, 0.1 * time_limit)) if lp else None
        total = float(d.dis[d.baseline >= 0].sum())
        search.dref = 1.5 * lb if lb is not None and lb > 0 else 0.25 * total
    stall = max(60, min(3000, 2 * d.n))
    osc_stall = max(100, min(1500, d.n // 3))
    attempt = 0
    from_current = start is None and search.aware  # the current plan was the first start
    fruitless = seen = 0  # restarts in a row without a better plan; trajectory length
    early: list[tuple[float, float, float]] = []  # balance-phase trajectory (shaping)
    while search.left() > 0:
        a0: np.ndarray | None = None
        if attempt == 0 and start is not None:
            a0 = hs.repair(dA, start, rng)
        elif attempt == 0 and search.aware:
            # disruption-aware: start from the current plan (repaired)
            a0 = hs.repair(dA, dA.baseline, rng)
        elif not from_current and search.best_v > _TOL and (dA.baseline >= 0).any():
            # the first start did not reach balance: the current plan is the other
            # natural start (Brittany, 14 reps, cities of ~90 % of a territory's
            # potential: balanced from it in 8-10 s, never from the LP start)
            from_current = True
            a0 = hs.repair(dA, dA.baseline, rng)
        else:
            if lp:
                lp_cost = dA.cost
                if attempt > 0:
                    lp_cost = dA.cost * (1.0 + 0.3 * rng.random(dA.cost.shape))
                labels = lp_start(dA, min(5.0, 0.5 * search.left()), lp_cost)
                if labels is not None:
                    a0 = hs.repair(dA, labels, rng)
            if a0 is None:
                noise = 0.0 if attempt == 0 else 0.5
                a0 = hs.grow(dA, np.full(d.n, -1, dtype=np.int64), rng, noise=noise)
        assert a0 is not None
        if shaping is not None:
            sa = _Search(dA, rng, deadline, t0)
            sa.aware, sa.dref, sa.keep_visits = search.aware, search.dref, True
            run_a = _balance(sa, hs.State(dA, a0), stall, flow)[0]
            early += [(t, v, float(d.cost[np.arange(d.n), a].sum())) for t, v, a in sa.visits]
            st = hs.State(d, run_a)
            search.offer(st)
        else:
            st = hs.State(d, a0)
            search.offer(st)
            run_a = _balance(search, st, stall, flow)[0]
            st.set_assignment(run_a, list(range(d.k)))
        _improve(search, st, stall, osc_stall, recombination, oscillation,
                 recombination_seconds, group_seconds)  # fmt: skip
        attempt += 1
        if search.best_v <= _TOL and d.n <= 200 and attempt >= 3:
            break  # small instance: a few converged restarts are enough
        fruitless = fruitless + 1 if len(search.trajectory) == seen else 0
        seen = len(search.trajectory)
        if search.best_v <= _TOL and fruitless >= 2:
            break  # two restarts in a row found nothing better: converged
    assert search.best_a is not None
    a = search.best_a
    feasible, viol, cost, dis = _evaluate(inst, a)
    seconds = _workclock.since(t0)
    logger.info(
        "heuristic: feasible=%s max_violation=%.4g cost=%.6g in %.2fs (%d restarts)",
        feasible,
        viol,
        cost,
        seconds,
        attempt,
    )
    return HeuristicResult(
        assignment=a.copy(),
        feasible=feasible,
        max_violation=viol,
        cost=cost,
        disruption=dis,
        seconds=seconds,
        trajectory=_merge(early, search.trajectory),
    )


def _data(inst: HeuristicInstance, cost: np.ndarray) -> hs._Data:
    return hs.make_data(
        inst.neighbors,
        inst.measures,
        inst.lower,
        inst.upper,
        cost,
        inst.centres,
        inst.allowed,
        inst.baseline,
        inst.disruption,
        inst.disruption_budget,
        inst.disruption_weight,
    )


def _merge(
    a: list[tuple[float, float, float]], b: list[tuple[float, float, float]]
) -> tuple[tuple[float, float, float], ...]:
    """The records of two trajectories that improved on everything before them."""
    out: list[tuple[float, float, float]] = []
    for t, v, c in sorted(a + b):
        if not out or hs.better(v, c, out[-1][1], out[-1][2]):
            out.append((t, v, c))
    return tuple(out)


def _tabu_and_repair(search: _Search, st: hs.State, stall: int) -> tuple[np.ndarray, float, float]:
    """A tabu run; if it ends unbalanced, swap repair and polish from its best plan."""
    a, v, c = search.tabu(st, stall)
    if v > _TOL:
        st.set_assignment(a, list(range(search.d.k)))
        if search.swap_repair(st):
            a, v, c = st.a.copy(), st.V, st.cost
        if st.V <= _POLISH and search.polish(st):
            a, v, c = st.a.copy(), st.V, st.cost
    return a, v, c


def _balance(
    search: _Search, st: hs.State, stall: int, flow: bool
) -> tuple[np.ndarray, float, float]:
    """Flow rebalancing, tabu, swaps, polish and kicks from ``st`` until balanced (or
    stuck); returns the least violated plan seen."""
    d = search.d
    search.offer(st)
    if flow:
        search.flow_rounds(st)
    run_a, run_v, run_c = _tabu_and_repair(search, st, stall)
    # perturb from the run's best while balance is not reached
    kicks = 0
    while run_v > _TOL and kicks < 6 and search.left() > 0:
        kicks += 1
        st.set_assignment(run_a, list(range(d.k)))
        search.kick(st, 3 + 2 * kicks)
        if flow:
            search.flow_rounds(st)
        a2, v2, c2 = _tabu_and_repair(search, st, stall)
        if hs.better(v2, c2, run_v, run_c):
            run_a, run_v, run_c = a2, v2, c2
            kicks = 0
    return run_a, run_v, run_c


def _improve(
    search: _Search,
    st: hs.State,
    stall: int,
    osc_stall: int,
    recombination: bool,
    oscillation: bool,
    recombination_seconds: float,
    group_seconds: float,
) -> None:
    """Recombination, oscillation, tabu and polish from ``st`` until none improves."""
    d = search.d
    while search.left() > 0:
        improved = False
        if recombination:
            improved |= search.recombine_pass(st, recombination_seconds)
            if not improved and d.k >= 3:
                # larger neighbourhood: a territory re-split with two neighbours
                improved = search.recombine_pass(st, group_seconds, size=3)
        if oscillation and st.V <= _TOL:
            v0, c0 = st.V, st.cost
            a2, v2, c2 = search.oscillate(st, osc_stall, 50 * osc_stall)
            st.set_assignment(a2, list(range(d.k)))
            improved |= hs.better(v2, c2, v0, c0)
        v0, c0 = st.V, st.cost
        a2, v2, c2 = search.tabu(st, max(30, stall // 2))
        if hs.better(v2, c2, v0, c0):
            improved = True
        st.set_assignment(a2, list(range(d.k)))
        if _TOL < st.V <= _POLISH and search.polish(st):
            improved = True
        if not improved:
            break


# --------------------------------------------------------------------------- centres


def choose_centres(
    neighbors: tuple[np.ndarray, ...] | list[np.ndarray],
    measures: np.ndarray,
    cost_between_units: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    iterations: int = 20,
) -> np.ndarray:
    """Pick ``k`` centre units for a greenfield design (balanced k-medoids on the graph).

    Seeds by weighted k-means++ on ``cost_between_units``, then alternates a balanced
    contiguous assignment (region growing with equal targets of every measure) and a
    medoid update (the unit of each territory minimising the measure-weighted cost to
    its members), until the centres stop changing.

    Parameters
    ----------
    neighbors : sequence of int arrays
        Adjacency lists of the (connected) unit graph.
    measures : (n,) or (n, m) array
        Measures to balance; their sum weights the medoid cost.
    cost_between_units : (n, n) array
        Cost of serving unit ``j`` from a centre at unit ``i`` (``[i, j]``), e.g. squared km.
    k : int
        Number of centres.
    seed : int
        Random seed.

    Returns
    -------
    (k,) int array
        Distinct unit indices.
    """
    n = len(neighbors)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of units ({n}), not {k}.")
    meas = np.asarray(measures, dtype=float).reshape(n, -1)
    C = np.asarray(cost_between_units, dtype=float)
    if C.shape != (n, n):
        raise ValueError(f"cost_between_units must be ({n}, {n}), not {C.shape}.")
    w = meas.sum(axis=1)
    w = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    w = 0.9 * w + 0.1 / n  # every unit has some pull (zero-measure units still need territories)
    rng = np.random.default_rng(seed)
    centres = [int(rng.choice(n, p=w))]
    for _ in range(1, k):
        dmin = C[centres].min(axis=0)
        p = w * dmin
        p[centres] = 0
        centres.append(int(rng.choice(n, p=p / p.sum())) if p.sum() > 0 else int(np.argmax(p)))
    cen = np.asarray(centres, dtype=np.int64)
    total = meas.sum(axis=0)
    target = np.tile(total / k, (k, 1))
    for _ in range(iterations):
        inst = HeuristicInstance(
            neighbors=tuple(np.asarray(nb) for nb in neighbors),
            measures=meas,
            lower=target * 0.999,
            upper=target * 1.001,
            cost=(C[cen].T * w[:, None]),
            centres=cen,
        )
        d = hs.make_data(
            inst.neighbors,
            meas,
            inst.lower,
            inst.upper,
            inst.cost,
            cen,
            None,
            None,
            None,
            None,
            0.0,
        )
        a = hs.grow(d, np.full(n, -1, dtype=np.int64), rng)
        new = cen.copy()
        for r in range(k):
            members = np.flatnonzero(a == r)
            sub = C[np.ix_(members, members)] @ w[members]
            new[r] = members[int(np.argmin(sub))]
        if len(set(new.tolist())) < k or np.array_equal(new, cen):
            break
        cen = new
    return cen
