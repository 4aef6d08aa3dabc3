"""Several rep types: field territories nested inside key-account territories.

The course (slide 45) asks how to coordinate several kinds of reps serving one customer
and answers *emboîter les territoires*: nest them. :func:`nested_plan` solves level by
level: first the upper level (e.g. key-account managers) over all units, then, inside
each upper territory, the lower level (field reps whose homes lie in it), balanced
against that territory's own totals. Every lower territory therefore lies inside exactly
one upper territory (checked and reported). Solving both levels in one MILP is possible
in principle (linking constraints ``x^{low}_{ir} <= x^{up}_{i,u(r)}``) but is not
offered: level by level is what sales organisations do and scales.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ..graph.adjacency import adjacency_graph
from ..plan.alignment import Alignment
from ..problem.territory_problem import TerritoryProblem
from ..solve.pipeline import optimize

__all__ = ["NestedPlan", "nested_plan"]


@dataclass(frozen=True)
class NestedPlan:
    """Result of :func:`nested_plan`.

    Attributes
    ----------
    upper : Alignment
        Upper-level plan (unit -> upper rep).
    lower : Alignment
        Lower-level plan (unit -> lower rep), nested in ``upper``.
    parent : pandas.Series
        Lower rep -> upper rep whose territory holds it.
    per_upper : dict
        Upper rep -> the lower-level Alignment solved inside its territory.
    """

    upper: Alignment
    lower: Alignment
    parent: pd.Series
    per_upper: dict[Any, Alignment]

    def is_nested(self) -> bool:
        """Every lower territory lies inside its parent's upper territory."""
        up = self.upper.assignment
        low = self.lower.assignment
        return bool((up[low.index] == low.map(self.parent)).all())


def nested_plan(
    units: gpd.GeoDataFrame,
    upper_reps: pd.DataFrame,
    lower_reps: pd.DataFrame,
    *,
    measures: list[str],
    upper_balance: dict[str, float],
    lower_balance: dict[str, float],
    graph: nx.Graph | None = None,
    solve: dict[str, Any] | None = None,
    **problem_settings: Any,
) -> NestedPlan:
    """Plan two nested levels of territories, upper first.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Indexed by unit id, with the measure columns.
    upper_reps, lower_reps : pandas.DataFrame
        Index rep id; ``home`` (unit id) and ``fte``. A lower rep belongs to the upper
        territory that contains its home.
    measures : list of str
        Measures carried into the plans.
    upper_balance, lower_balance : dict
        Measure -> tolerance at each level.
    solve : dict, optional
        Keyword arguments of :func:`territory_opt.solve.pipeline.optimize`.
    **problem_settings
        Passed to both levels' :meth:`TerritoryProblem.from_geodataframe`.
    """
    G = adjacency_graph(units) if graph is None else graph
    solve = dict(solve or {})
    upper = optimize(
        TerritoryProblem.from_geodataframe(
            units,
            upper_reps,
            measures=measures,
            graph=G,
            balance=upper_balance,
            **problem_settings,
        ),
        **solve,
    )
    parent = lower_reps["home"].map(upper.assignment)
    problems = []
    if parent.isna().any():
        problems.append(
            InputIssue(
                "reps",
                f"lower rep(s) {', '.join(map(str, parent.index[parent.isna()][:5]))}",
                "home is not a unit.",
                "give each lower rep a home unit id.",
            )
        )
    empty = [u for u in upper_reps.index if u not in set(parent.dropna())]
    if empty:
        problems.append(
            InputIssue(
                "reps",
                f"upper territory(ies) {', '.join(map(str, empty[:5]))}",
                "hold no lower rep's home, so nobody would serve their units at the lower level.",
                "add lower reps living there, or use fewer upper territories.",
            )
        )
    if problems:
        raise ValidationError(problems)
    per_upper: dict[Any, Alignment] = {}
    pieces = []
    for up in upper_reps.index:
        members = upper.assignment.index[upper.assignment == up]
        reps_here = lower_reps[parent == up]
        sub = TerritoryProblem.from_geodataframe(
            units.loc[members],
            reps_here,
            measures=measures,
            graph=G.subgraph(members).copy(),
            balance=lower_balance,
            **problem_settings,
        )
        al = optimize(sub, **solve)
        per_upper[up] = al
        pieces.append(al.assignment)
    lower_asg = pd.concat(pieces).reindex(units.index)
    lower = Alignment.from_assignment(
        lower_asg,
        reps=lower_reps,
        measures=units[measures],
        balance_measures=tuple(lower_balance),
        units=units[["geometry"]],
    )
    return NestedPlan(upper=upper, lower=lower, parent=parent, per_upper=per_upper)
