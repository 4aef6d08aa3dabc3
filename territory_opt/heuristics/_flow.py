"""Flow rebalancing (ejection chains), MILP recombination and kicks (private)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from . import _search as hs
from . import _workclock
from ._recom import recombine
from ._search_base import _SearchBase
from .evaluation import _TOL

_MOVE_STEPS = 0.4
"""Work of one flow move, in search steps of the work clock (measured on Normandy: 1.9 ms a
move, a re-traversal of one territory; a tabu step evaluates every border move, 3.3-6.9 ms)."""


class _FlowMoves(_SearchBase):
    """Moves that carry load along a transfer flow, re-split groups, or perturb."""

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
        stale: set[int] = set()  # territories that received units and were not re-traversed
        for f, x, y in edges:
            remaining = f
            if x in stale:
                st.refresh(x)
                stale.discard(x)
            while remaining > 0.005 and moves < max_moves:
                if _workclock.spend(_MOVE_STEPS) >= self.deadline:
                    break  # counted: the ejection chains are most of a balance phase's work
                u = st.border_moves(x, y)
                if len(u) == 0:
                    break
                t = np.full(len(u), y, dtype=np.int64)
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
                st.move(int(u[j]), y, refresh_to=False)
                stale.add(y)
                remaining -= float(load[j])
                moves += 1
        for r in sorted(stale):
            st.refresh(r)
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
