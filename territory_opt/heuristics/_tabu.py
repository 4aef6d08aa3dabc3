"""Tabu search over subtree moves, with pair moves and swap repair (private)."""

from __future__ import annotations

import numpy as np

from . import _search as hs
from ._polish import _PolishMoves
from ._search_base import _POLISH, _POLISH_STALL, _STALL_GAIN
from .evaluation import _TOL


class _TabuMoves(_PolishMoves):
    """Tabu search (which polishes a small stuck violation), pair moves, swap repair."""

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
