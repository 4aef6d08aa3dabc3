"""Helpers of the what-ifs (:mod:`territory_opt.studies.scenarios`): local starts and honest reports.

*Au fil de l'eau* (``mode="local"``) only the units an event frees may change rep. This
module builds a valid start for such a run (every rep's territory contiguous from its
home, every unit outside the freed set on its current rep), checks afterwards that no
other unit moved, and recomputes the objective of the plan actually returned, from the
problem's definition and not from the solver, so the report never shows an objective
below its bound.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Hashable, Iterable

import networkx as nx
import pandas as pd

from ..exceptions import TerritoryError
from ..plan.alignment import Alignment
from ..plan.evaluation import plan_objective
from ..problem.territory_problem import TerritoryProblem

__all__ = ["LocalityError", "honest_report", "local_start", "moved_outside", "plan_objective"]


class LocalityError(TerritoryError):
    """A local (*au fil de l'eau*) what-if returned a plan moving a unit it had to keep."""


def local_start(
    graph: nx.Graph,
    baseline: pd.Series,
    reps: pd.DataFrame,
    free: Iterable[Hashable],
) -> pd.Series:
    """A plan close to ``baseline`` that is valid for ``reps``: the start of a local what-if.

    Every rep holds its home; a unit whose current rep is gone (a leaver), that is freed
    (``free``) and lost its rep, or that is cut off from its rep's home (by a new home
    planted in the territory) gets the rep of an already assigned neighbour, breadth
    first, so every territory stays connected. Units outside that set keep their rep.

    Parameters
    ----------
    graph : networkx.Graph
        Unit adjacency.
    baseline : pandas.Series
        Current plan, unit id -> rep id.
    reps : pandas.DataFrame
        The reps after the event (index rep id, ``home``).
    free : iterable of unit id
        Units the event frees (used only to order nothing; kept for the caller's set).

    Returns
    -------
    pandas.Series
        unit id -> rep id for every unit of ``baseline``.
    """
    del free  # freed units keep their current rep when it still exists: minimal change
    plan: dict[Hashable, Hashable | None] = {
        u: (r if r in reps.index else None) for u, r in baseline.items()
    }
    homes = {h: r for r, h in reps["home"].items()}
    for h, r in homes.items():
        plan[h] = r
    # keep, per rep, only the part connected to its home (a new home may cut a territory)
    for r, h in reps["home"].items():
        members = [u for u, v in plan.items() if v == r]
        keep = nx.node_connected_component(graph.subgraph(members), h)
        for u in members:
            if u not in keep:
                plan[u] = None
    queue = deque(sorted((u for u, v in plan.items() if v is not None), key=str))
    while queue:
        u = queue.popleft()
        for v in sorted(graph.neighbors(u), key=str):
            if v in plan and plan[v] is None:
                plan[v] = plan[u]
                queue.append(v)
    lost = [u for u, v in plan.items() if v is None]
    if lost:
        raise TerritoryError(
            f"units {', '.join(map(str, lost[:5]))} cannot be reached from any rep's home "
            "through the adjacency graph; check the unit geometry (islands) or add a rep there."
        )
    return pd.Series(plan, dtype=object).reindex(baseline.index)


def moved_outside(
    after: pd.Series, baseline: pd.Series, freed: Iterable[Hashable]
) -> list[Hashable]:
    """Units outside ``freed`` whose rep in ``after`` differs from ``baseline``."""
    fs = set(freed)
    return [u for u, r in baseline.items() if u not in fs and after.get(u) != r]


def honest_report(problem: TerritoryProblem, plan: Alignment) -> Alignment:
    """``plan`` with its report's objective recomputed for the plan returned.

    When the solver's bound exceeds that objective (the bound was proven for plans
    meeting constraints this one breaks) the bound and gap are dropped and the message
    says so.
    """
    rep = plan.report
    if rep is None or problem.free_centres:
        return plan
    obj = plan_objective(problem, plan.assignment)
    bound, gap, msg = rep.bound, rep.gap, rep.message
    if bound is not None and bound > obj + 1e-6 * max(1.0, abs(obj)):
        msg = (
            f"{msg}; the solver's bound {bound:.6g} is above this plan's objective: "
            "it does not apply to this plan, dropped"
        )
        bound, gap = None, None
    elif bound is not None and rep.status in ("optimal", "feasible"):
        gap = abs(obj - bound) / max(abs(obj), 1e-10)
    return plan.with_report(
        dataclasses.replace(rep, objective=obj, bound=bound, gap=gap, message=msg)
    )
