"""The local search of :func:`~territory_opt.heuristics.build.build_plan`, and its phases.

Private.

:class:`_Search` joins the move families (:mod:`._tabu`, :mod:`._polish`, :mod:`._flow`);
``_balance`` runs them until the plan is balanced (or stuck), ``_improve`` until none
lowers the cost any more.
"""

from __future__ import annotations

import numpy as np

from . import _search as hs
from ._flow import _FlowMoves
from ._search_base import _POLISH
from ._tabu import _TabuMoves
from .evaluation import _TOL


class _Search(_TabuMoves, _FlowMoves):
    """Every move family of the local search on one plan (see :mod:`.build`)."""


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
