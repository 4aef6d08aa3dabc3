"""The state shared by the moves of the local search (private).

:class:`_SearchBase` holds the data, the random generator, the deadline and the best
plan seen; the move families build on it (:mod:`._polish`, :mod:`._tabu`,
:mod:`._flow`) and :class:`territory_opt.heuristics._local_search._Search` joins them.
"""

from __future__ import annotations

import numpy as np

from . import _search as hs
from .evaluation import _TOL

_POLISH = 0.05  # total violation below which the balance polish runs
_POLISH_STALL = 100  # tabu iterations without a violation decrease before polishing
_STALL_GAIN = 1e-4  # relative cost gain that counts as progress once balanced (tabu)


def _reached(
    al: list[int], adj: list[list[int]], r: int, seen: set[int], stack: list[int]
) -> set[int]:
    """``seen`` grown by the units of territory ``r`` reachable from ``stack`` (DFS)."""
    while stack:
        x = stack.pop()
        for w in adj[x]:
            if al[w] == r and w not in seen:
                seen.add(w)
                stack.append(w)
    return seen


class _SearchBase:
    """Data, random generator, deadline and best plan seen, shared by every move family."""

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

    def _contiguous(self, st: hs.State, rs: list[int]) -> bool:
        d = self.d
        al, adj = st.al, d.adj
        for r in rs:
            c = int(d.centres[r])
            if al[c] != r:
                return False
            seen = _reached(al, adj, r, {c}, [c])
            if len(seen) != int((st.a == r).sum()):
                return False
        return True

    def _lex_order(self, dV: np.ndarray, dC: np.ndarray, ok: np.ndarray) -> np.ndarray:
        dVr = np.where(ok, np.round(dV, 12), np.inf)
        noise = self.rng.random(len(dV)) * 1e-12
        return np.lexsort((dC + noise * (np.abs(dC) + 1.0), dVr))[: int(ok.sum())]
