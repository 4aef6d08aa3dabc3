"""Balance polish and strategic oscillation (private).

Compound moves touching a violated territory, scored alone and in pairs across one or
two borders (:meth:`_PolishMoves.polish`), and tabu search on cost plus an adaptive
penalty on the violation once balanced (:meth:`_PolishMoves.oscillate`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _search as hs
from ._search_base import _reached, _SearchBase
from .evaluation import _TOL


@dataclass
class _Candidates:
    """Subtree moves touching one violated territory ``r`` (see ``_PolishMoves.polish``)."""

    sets: list[np.ndarray]  # units of each move
    tt: np.ndarray  # the other territory of each move
    src: np.ndarray
    dst: np.ndarray
    E: np.ndarray  # (moves, m) measure change of r
    d_cost: np.ndarray  # cost change
    d_dis: np.ndarray  # disruption change


def _best_tries(
    c: _Candidates, dv1: np.ndarray, keep: np.ndarray, dv2: np.ndarray
) -> list[tuple[float, float, list[int]]]:
    """The best few singles and pairs that lower the violation, best first (then cheapest)."""
    dC2 = c.d_cost[keep][:, None] + c.d_cost[keep][None, :]
    tries: list[tuple[float, float, list[int]]] = []
    for q in np.argsort(dv1)[:5].tolist():
        if dv1[q] < -_TOL:
            tries.append((float(dv1[q]), float(c.d_cost[q]), [q]))
    flat = np.argsort(dv2, axis=None)[:20].tolist()
    for f in flat:
        i, j = divmod(int(f), len(keep))
        if dv2[i, j] < -_TOL and i < j:
            tries.append((float(dv2[i, j]), float(dC2[i, j]), [int(keep[i]), int(keep[j])]))
    tries.sort(key=lambda x: (round(x[0], 12), x[1]))
    return tries


class _PolishMoves(_SearchBase):
    """Balance polish and strategic oscillation."""

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
            seen = _reached(al, adj, src, {centre, u}, [centre])
            idx = np.asarray([u] + [x for x in members if x not in seen], dtype=np.int64)
            if d.allowed[idx, dst].all() and d.measures[idx].any():
                out.append(idx)
        return out

    def polish(self, st: hs.State, rounds: int = 30, max_pairs: int = 1500) -> bool:
        """Balance polish for a small remaining violation: for each violated territory
        ``r``, every subtree move into ``r`` from, or out of ``r`` to, any neighbour
        (see :meth:`_border_sets`) is scored alone and in pairs, including pairs across
        two different borders (A->B with C->A) that :meth:`swap_repair` does not see; the
        best combinations that lower the total violation within the budget are applied
        and checked (contiguity). Tabu calls it when a small violation stalls."""
        d = self.d
        improved = False
        cap = np.inf if d.budget is None else d.budget + _TOL * max(1.0, d.budget)
        for _ in range(rounds):
            if st.V <= _TOL or self.left() <= 0:
                break
            V0 = st.V
            found = False
            for r in np.argsort(-st.viol).tolist():
                if st.viol[r] <= _TOL or self.left() <= 0:
                    break
                if self._polish_territory(st, r, V0, cap, max_pairs):
                    found = True
                    break
            if not found:
                break
            improved = True
            self.offer(st)
        return improved

    def _polish_territory(
        self, st: hs.State, r: int, V0: float, cap: float, max_pairs: int
    ) -> bool:
        """Apply the best single or paired subtree move into or out of ``r`` that lowers
        the violation below ``V0`` (within the budget cap, contiguous); True if one was."""
        c = self._candidates(st, r)
        if c is None:
            return False
        vr1, vt1, dv1 = self._single_scores(st, r, c)
        keep, dv2 = self._pair_scores(st, r, c, vr1, vt1, max_pairs, cap)
        return self._apply_best(st, r, c, _best_tries(c, dv1, keep, dv2), V0, cap)

    def _candidates(self, st: hs.State, r: int) -> _Candidates | None:
        """Subtree moves into ``r`` from, and out of ``r`` to, each neighbour (None if none)."""
        d = self.d
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
            return None
        tt = np.asarray(other, dtype=np.int64)
        sg = np.asarray(sign)
        E = np.stack([d.measures[idx].sum(axis=0) for idx in sets]) * sg[:, None]
        src = np.where(sg > 0, tt, r)
        dst = np.where(sg > 0, r, tt)
        dD = np.zeros(len(sets))
        dC = np.zeros(len(sets))
        base = d.baseline
        has = base >= 0
        for q, idx in enumerate(sets):
            dC[q] = d.cost[idx, dst[q]].sum() - d.cost[idx, src[q]].sum()
            if d.c_dis >= 0:
                h = has[idx]
                b = base[idx]
                w = d.dis[idx]
                dD[q] = (w * (h & (b != dst[q]))).sum() - (w * (h & (b != src[q]))).sum()
        return _Candidates(sets, tt, src, dst, E, dC, dD)

    def _single_scores(
        self, st: hs.State, r: int, c: _Candidates
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Violation change of ``r``, of the other territory and in total (inf when over
        budget) for each move alone."""
        d = self.d
        vr1 = d.viol_rows(st.S[r] + c.E, np.asarray([r])) - st.viol[r]
        vt1 = d.viol_rows(st.S[c.tt] - c.E, c.tt) - st.viol[c.tt]
        bv0 = float(d.budget_viol(st.D))
        dv1 = vr1 + vt1 + np.asarray(d.budget_viol(st.D + c.d_dis)) - bv0
        if self.aware:
            okb = self.within_budget(st, c.d_dis)
            dv1 = np.where(okb, dv1, np.inf)
        return vr1, vt1, dv1

    def _pair_scores(
        self,
        st: hs.State,
        r: int,
        c: _Candidates,
        vr1: np.ndarray,
        vt1: np.ndarray,
        max_pairs: int,
        cap: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Change of the total violation for pairs among the best ``max_pairs`` moves (by
        their change of ``r``): the kept moves and the matrix (inf on the diagonal)."""
        d = self.d
        rr = np.asarray([r])
        keep = np.argsort(vr1 + 1e-9 * np.arange(len(c.sets)))[:max_pairs]
        Ek, tk, dDk = c.E[keep], c.tt[keep], c.d_dis[keep]
        er = Ek[:, None, :] + Ek[None, :, :]
        vr2 = d.viol_rows(st.S[r] + er, rr) - st.viol[r]
        same = tk[:, None] == tk[None, :]
        vt_sep = vt1[keep][:, None] + vt1[keep][None, :]
        vt_same = d.viol_rows(st.S[tk][:, None, :] - er, tk[:, None]) - st.viol[tk][:, None]
        D2 = st.D + dDk[:, None] + dDk[None, :]
        dv2 = vr2 + np.where(same, vt_same, vt_sep)
        dv2 = dv2 + np.asarray(d.budget_viol(D2)) - float(d.budget_viol(st.D))
        if self.aware and d.budget is not None and cap >= st.D:
            dv2 = np.where(cap >= D2, dv2, np.inf)
        np.fill_diagonal(dv2, np.inf)
        return keep, dv2

    def _apply_best(
        self,
        st: hs.State,
        r: int,
        c: _Candidates,
        tries: list[tuple[float, float, list[int]]],
        V0: float,
        cap: float,
    ) -> bool:
        """Apply the first of ``tries`` that keeps the plan contiguous, lowers the
        violation below ``V0`` and stays within the budget cap; True if one did."""
        for _val, _c, qs in tries:
            touched = sorted({r, *[int(c.tt[q]) for q in qs]})
            units_all = np.concatenate([c.sets[q] for q in qs])
            if len(np.unique(units_all)) != len(units_all):
                continue
            if any((st.a[c.sets[q]] != c.src[q]).any() for q in qs):
                continue
            snap = st.snapshot(touched)
            for q in qs:
                st.relabel(c.sets[q].tolist(), int(c.src[q]), int(c.dst[q]))
            ok_b = cap >= st.D
            if st.V < V0 - _TOL and (ok_b or not self.aware) and self._contiguous(st, touched):
                return True
            st.restore(snap)
        return False

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
