"""The inputs of a redeployment study (:class:`Study`): units, reps, the current plan, settings."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ..graph.adjacency import adjacency_graph
from ..plan.alignment import Alignment
from ..problem.territory_problem import Balance, TerritoryProblem
from ..solve.pipeline import optimize

__all__ = ["Study"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Study:
    """The inputs of a redeployment study.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Index unit id; geometry and measure columns.
    reps : pandas.DataFrame
        Index rep id; ``home`` (unit id), ``fte``, optional ``name``.
    baseline : pandas.Series
        Current plan, unit id -> rep id.
    balance : mapping
        Measure -> tolerance (hard), e.g. ``{"workload": 0.05, "potential": 0.05}``.
    measures : sequence of str
        Measure columns carried into the plans (balance measures and e.g. accounts).
    problem_settings : mapping
        Extra keyword arguments of :meth:`TerritoryProblem.from_geodataframe`
        (``contiguity``, ``power``, ``weight``, ``disruption``...). Defaults:
        ``contiguity="cuts"`` (exact), ``power=2`` and ``weight`` = the first balanced
        measure (moment of inertia).
    solve_settings : mapping
        Keyword arguments of :func:`territory_opt.solve.pipeline.optimize` (``solver``,
        ``time_limit``, ``nearest``...).
    graph : networkx.Graph, optional
        Unit adjacency (built once from the polygons when omitted).
    """

    units: gpd.GeoDataFrame
    reps: pd.DataFrame
    baseline: pd.Series
    balance: Mapping[str, float] = field(
        default_factory=lambda: {"workload": 0.05, "potential": 0.05}
    )
    measures: Sequence[str] = ("workload", "potential", "accounts")
    problem_settings: Mapping[str, Any] = field(default_factory=dict)
    solve_settings: Mapping[str, Any] = field(default_factory=dict)
    graph: nx.Graph | None = None

    def __post_init__(self) -> None:
        if self.graph is None:
            object.__setattr__(self, "graph", adjacency_graph(self.units))
        missing = [m for m in self.measures if m not in self.units.columns]
        if missing:
            raise ValidationError(
                [
                    InputIssue(
                        "units",
                        f"column(s) {missing}",
                        "measure columns missing.",
                        "add them or change measures=.",
                    )
                ]
            )

    def _balance(self, soft: float | None) -> list[Balance]:
        return [Balance(m, tol, penalty=soft) for m, tol in self.balance.items()]

    def problem(
        self,
        reps: pd.DataFrame | None = None,
        baseline: pd.Series | None = None,
        *,
        soft_balance: float | None = None,
        **overrides: Any,
    ) -> TerritoryProblem:
        """The territory problem for ``reps`` (default: the study's) from ``baseline``."""
        reps = self.reps if reps is None else reps
        base = self.baseline if baseline is None else baseline
        base = base[base.isin(reps.index)]  # a leaver's units have no valid current rep
        settings: dict[str, Any] = {
            "balance": self._balance(soft_balance),
            "baseline": base,
            # defaults: exact contiguity; no objective named, so "redeploy" (fewest changes,
            # then travel and shape) with the current plan, the moment of inertia (weighted
            # by the first measure) under a disruption budget
            "contiguity": "cuts",
            "power": 2,
            "weight": next(iter(self.balance), None),
            **dict(self.problem_settings),
            **overrides,
        }
        return TerritoryProblem.from_geodataframe(
            self.units[[*self.measures, "geometry"]],
            reps,
            measures=list(self.measures),
            graph=self.graph,
            **settings,
        )

    def current(self) -> Alignment:
        """The current plan as an :class:`Alignment` (no solve), with every unit column."""
        al = Alignment.from_assignment(
            self.baseline, problem=self.problem(), baseline=self.baseline
        )
        return dataclasses.replace(al, units=self.units)

    def solve(
        self, problem: TerritoryProblem, start: pd.Series | None = None, **extra: Any
    ) -> Alignment:
        """Optimize ``problem`` with the study's solver settings (``extra`` overrides them)."""
        kw = {**dict(self.solve_settings), **extra}
        if start is not None:
            start = start[start.isin(problem.reps.index)]
            kw["start"] = start
        return optimize(problem, **kw)
