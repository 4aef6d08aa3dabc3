"""`TerritoryProblem`: everything the optimizer needs, validated once, immutable.

A problem is built by one of three explicit constructors, one per input shape:

* :meth:`TerritoryProblem.from_geodataframe` — unit polygons + reps whose homes are unit
  ids or points; adjacency from the polygons, geodesic km costs by default;
* :meth:`TerritoryProblem.from_graph` — any networkx graph whose nodes carry the measures,
  with hop distance, a cost function or a cost matrix;
* :meth:`TerritoryProblem.from_cost_matrix` — no geometry, no graph (e.g. the Pfizer Turkey
  case): a unit x rep cost matrix and a measures table.

Internally the problem has *columns*: one per rep when centres are fixed (the rep homes),
one per candidate centre unit when centres are free (choose ``k`` of them, p-median
style: ``centres=k``, or an int as ``reps``). ``cost[i, c]`` is the cost of unit ``i`` in column ``c`` and ``roots[c]`` the unit
index of the column's centre (``-1``: a fixed rep without a home unit).

Settings shared by the constructors
-----------------------------------
Keywords (:class:`~territory_opt.problem.settings.ProblemSettings`); an unknown one raises a
:class:`~territory_opt.exceptions.ValidationError` naming the closest valid keyword.

balance
    ``{"workload": 0.05}`` (±5 % around the FTE-proportional target, hard), or
    :class:`Balance` objects for absolute bounds (``Balance("w", lower=0.8, upper=1.2)``)
    or a soft penalty (``Balance("w", 0.05, penalty=10.0)``).
power, weight
    Compactness objective :math:`\\sum_i w_i\\, c(i, \\text{centre})^p`, ``power`` in {1, 2},
    ``weight`` a measure name (``None``: every unit weighs 1).
baseline, disruption, disruption_budget, disruption_weight
    Current plan (unit -> rep, or a column name), the measure counted when a unit changes
    rep (default ``"accounts"`` when present), a budget (absolute number, or ``"5%"`` of the
    measure's total) and/or a weight of disruption in the objective.
locks
    unit -> rep assignments that must be kept.
contiguity
    ``"sp"``, ``"flow"``, ``"cuts"`` or ``None`` (see :mod:`territory_opt.milp.contiguity`).
objective, tie_break, then, slack
    The objective: ``"cost"`` (the moment of inertia above), ``"disruption"``, or a named
    objective of :mod:`territory_opt.problem.objective` (``"redeploy"``, ``"changes"``,
    ``"travel"``, ``"compact"``, ``"redesign"``, a ``{term: weight}`` mapping; ``then``
    and ``slack`` add a lexicographic second stage). Default: ``"redeploy"`` (fewest
    accounts changing rep, then travel and shape) when there is a current plan and no
    disruption budget, weight or tie break; ``"cost"`` otherwise
    (:func:`~territory_opt.problem.settings.default_objective`). With ``tie_break`` and
    ``"cost"``/``"disruption"`` the other one is then optimised with the main one held at
    its optimum (lexicographic).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Unpack

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ._errors import refuse
from .balance import Balance, BalanceSpec
from .constructors import (
    GraphCost,
    Pieces,
    pieces_from_cost_matrix,
    pieces_from_geodataframe,
    pieces_from_graph,
)
from .objective import Objective, objective_matrix
from .rep_targets import target_share_columns, target_weights
from .settings import (
    ProblemSettings,
    check_centres,
    check_measures_arg,
    check_settings,
    parse_changes,
    resolve_settings,
)
from .validation import validate
from .views import hops_from, neighbor_lists

__all__ = [
    "Balance",
    "BalanceSpec",
    "ContiguityMode",
    "TerritoryProblem",
]

ContiguityMode = Literal["sp", "flow", "cuts"] | None


@dataclass(frozen=True, eq=False)
class TerritoryProblem:
    """An immutable, validated territory-design instance.

    Build it with :meth:`from_geodataframe`, :meth:`from_graph` or :meth:`from_cost_matrix`;
    derive variants with :meth:`replace`. Arrays are read-only; the graph and frames are
    private copies of the caller's inputs.

    Attributes
    ----------
    unit_ids : tuple
        Unit ids, in model order.
    reps : pandas.DataFrame
        Index rep id; columns ``home`` (unit id or ``None``), ``fte`` (+ ``name`` if given).
    measures : pandas.DataFrame
        Index unit id; float measure columns.
    cost : numpy.ndarray
        ``(n, K)`` cost per unit and column (see module doc).
    roots : numpy.ndarray
        ``(K,)`` unit index of each column's centre (``-1`` if none).
    free_centres : bool
        Whether the ``k = len(reps)`` centres are chosen among the columns' roots.
    """

    unit_ids: tuple[Hashable, ...]
    reps: pd.DataFrame
    measures: pd.DataFrame
    cost: np.ndarray
    roots: np.ndarray
    free_centres: bool = False
    balance: tuple[Balance, ...] = ()
    power: int = 1
    weight: str | None = None
    baseline: np.ndarray | None = None
    disruption: str | None = None
    disruption_budget: float | None = None
    disruption_weight: float = 0.0
    locks: tuple[tuple[int, int], ...] = ()
    graph: nx.Graph | None = None
    contiguity: ContiguityMode = None
    objective: Literal["cost", "disruption"] = "cost"
    tie_break: bool = False
    goal: Objective | None = None
    visits: str | None = None
    compact_floor: float = 1.0
    units: gpd.GeoDataFrame | None = None
    distance_km: np.ndarray | None = None
    cost_label: str = "cost"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        for name in ("cost", "roots", "baseline", "distance_km"):
            arr = getattr(self, name)
            if arr is not None:
                arr = np.array(arr, copy=True)
                arr.setflags(write=False)
                object.__setattr__(self, name, arr)
        validate(self)

    # ------------------------------------------------------------------ sizes
    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.unit_ids)

    @property
    def rep_ids(self) -> tuple[Hashable, ...]:
        """Rep ids, in order."""
        return tuple(self.reps.index)

    @property
    def k(self) -> int:
        """Number of territories (reps)."""
        return len(self.reps)

    @property
    def n_columns(self) -> int:
        """Number of model columns (reps, or candidate centres when free)."""
        return int(self.cost.shape[1])

    @property
    def balance_measures(self) -> tuple[str, ...]:
        """Names of the balanced measures."""
        return tuple(b.measure for b in self.balance)

    def unit_index(self, unit: Hashable) -> int:
        """Model index of a unit id."""
        pos = self._positions()
        if unit not in pos:
            refuse("units", f"unit {unit!r}", "is not a unit.", "use an id of the units table.")
        return pos[unit]

    def _positions(self) -> dict[Hashable, int]:
        if "pos" not in self._cache:
            self._cache["pos"] = {u: i for i, u in enumerate(self.unit_ids)}
        return self._cache["pos"]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ derived arrays
    def shares(self) -> np.ndarray:
        """Capacity share of each column: ``fte / sum(fte)`` (``1/k`` when centres are free)."""
        if self.free_centres:
            return np.full(self.n_columns, 1.0 / self.k)
        fte = self.reps["fte"].to_numpy(dtype=float)
        return fte / fte.sum()

    def balance_matrix(self) -> np.ndarray:
        """``(n, m)`` values of the balanced measures."""
        cols = list(self.balance_measures)
        return self.measures[cols].to_numpy(dtype=float) if cols else np.zeros((self.n_units, 0))

    def targets(self) -> np.ndarray:
        """``(K, m)`` FTE-proportional target of each column for each balanced measure."""
        totals = self.balance_matrix().sum(axis=0)
        if not self.free_centres and target_share_columns(self.reps):  # per-rep targets
            return target_weights(self.reps, self.balance_measures) * totals[None, :]
        return self.shares()[:, None] * totals[None, :]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds ``(K, m)`` per column and balanced measure.

        Combines the relative tolerance (around the target) and the absolute bounds;
        a missing side is ``0`` (lower) or ``inf`` (upper).
        """
        T = self.targets()
        lo = np.zeros_like(T)
        hi = np.full_like(T, np.inf)
        for m, b in enumerate(self.balance):
            if b.tolerance is not None:
                lo[:, m] = np.maximum(lo[:, m], (1.0 - b.tolerance) * T[:, m])
                hi[:, m] = np.minimum(hi[:, m], (1.0 + b.tolerance) * T[:, m])
            if b.lower is not None:
                lo[:, m] = np.maximum(lo[:, m], b.lower)
            if b.upper is not None:
                hi[:, m] = np.minimum(hi[:, m], b.upper)
        return lo, hi

    def unit_weights(self) -> np.ndarray:
        """``(n,)`` compactness weight ``w_i`` (1 when no weight measure)."""
        if self.weight is None:
            return np.ones(self.n_units)
        return self.measures[self.weight].to_numpy(dtype=float)

    def assignment_costs(self) -> np.ndarray:
        """``(n, K)`` objective coefficient of each assignment.

        ``w_i * cost[i, c] ** power`` (the ``"cost"`` objective), or, with a named
        objective (``goal``), its first stage (:func:`territory_opt.problem.objective_matrix`).
        """
        if self.goal is None:
            return self.unit_weights()[:, None] * self.cost**self.power
        if "goal" not in self._cache:
            c = objective_matrix(self, self.goal.first())
            c.setflags(write=False)
            self._cache["goal"] = c
        return self._cache["goal"]  # type: ignore[no-any-return]

    def then_costs(self) -> np.ndarray | None:
        """``(n, K)`` coefficients of the objective's second stage, or ``None``."""
        if self.goal is None or self.goal.then is None:
            return None
        return objective_matrix(self, self.goal.then)

    def disruption_values(self) -> np.ndarray | None:
        """``(n,)`` disruption counted when unit ``i`` leaves its baseline rep, or ``None``."""
        if self.baseline is None or self.disruption is None:
            return None
        v = self.measures[self.disruption].to_numpy(dtype=float).copy()
        v[self.baseline < 0] = 0.0
        return v

    def neighbors(self) -> tuple[np.ndarray, ...]:
        """Adjacency lists by unit index (empty arrays when there is no graph)."""
        if "nbrs" not in self._cache:
            self._cache["nbrs"] = neighbor_lists(self.graph, self.unit_ids, self._positions())
        return self._cache["nbrs"]  # type: ignore[no-any-return]

    def hops_from_roots(self) -> np.ndarray:
        """``(n, K)`` hop distance in the graph from each column's root (``inf`` if unreachable)."""
        if "hops" not in self._cache:
            self._cache["hops"] = hops_from(self.neighbors(), self.roots, self.n_units)
        return self._cache["hops"]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ variants
    def replace(self, **changes: Any) -> TerritoryProblem:
        """A new problem with some settings changed (validated again).

        ``changes`` are fields of the problem (or ``then`` / ``slack`` of a named objective);
        an unknown name is refused with the closest valid one.

        ``balance`` accepts the same shorthand as the constructors; ``disruption_budget`` a
        number or ``"x%"``; ``locks`` and ``baseline`` mappings unit id -> rep id.
        """
        changes = parse_changes(self, changes)
        changes["_cache"] = {}
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def _assemble(
        cls, pieces: Pieces, contiguity: ContiguityMode, settings: Mapping[str, Any]
    ) -> TerritoryProblem:
        """The problem from a constructor's pieces and its settings."""
        if pieces.baseline is not None:
            settings = {**settings, "baseline": pieces.baseline}
        fields = resolve_settings(
            pieces.unit_ids, pieces.reps, pieces.measures, free_centres=pieces.free, **settings
        )
        return cls(
            unit_ids=tuple(pieces.unit_ids),
            reps=pieces.reps.copy(),
            measures=pieces.measures.copy(),
            cost=np.asarray(pieces.cost, dtype=float),
            roots=np.asarray(pieces.roots, dtype=np.int64),
            free_centres=pieces.free,
            graph=None if pieces.graph is None else pieces.graph.copy(),
            contiguity=contiguity,
            units=pieces.units,
            distance_km=pieces.distance_km,
            cost_label=pieces.cost_label,
            **fields,
        )

    @classmethod
    def from_cost_matrix(
        cls,
        cost: pd.DataFrame,
        measures: pd.DataFrame,
        reps: pd.DataFrame | int | None = None,
        *,
        centres: int | None = None,
        graph: nx.Graph | None = None,
        candidates: Sequence[Hashable] | None = None,
        cost_label: str = "cost",
        distance_km: pd.DataFrame | None = None,
        contiguity: ContiguityMode = None,
        **settings: Unpack[ProblemSettings],
    ) -> TerritoryProblem:
        """Build a problem from a cost matrix and a measures table (no geometry needed).

        Parameters
        ----------
        cost : pandas.DataFrame
            Fixed centres: rows unit ids, columns rep ids. Free centres (``centres=k``,
            ``reps`` an int, or reps without homes): rows and columns unit ids (columns =
            candidate centres).
        measures : pandas.DataFrame
            Index unit id; numeric measure columns.
        reps : pandas.DataFrame or int, optional
            Index rep id; optional ``home`` (unit id) and ``fte`` (default 1) columns. An int
            ``k`` means ``k`` free centres. Default: one rep per cost column, no homes.
        centres : int, optional
            ``k`` free centres chosen among the candidates (instead of ``reps``); the plan's
            territories are labelled ``0..k-1``, read ``Alignment.centres`` for each unit's
            centre unit.
        graph : networkx.Graph, optional
            Unit adjacency, needed for contiguity.
        candidates : sequence, optional
            Free centres: units allowed as centres (default: the cost columns).
        cost_label : str
            What the cost is ("km", "minutes"...), for reports.
        distance_km : pandas.DataFrame, optional
            Unit x rep km for the report (defaults to ``cost`` when ``cost_label == "km"``).
        contiguity : {"sp", "flow", "cuts", None}
            Contiguity mode (default ``None``; the others need ``graph``).
        **settings
            balance, power, weight, baseline, disruption, disruption_budget,
            disruption_weight, locks, objective, tie_break, then, slack, visits,
            compact_floor (module doc); any other keyword is refused.
        """
        own = ("centres", "graph", "candidates", "cost_label", "distance_km", "contiguity")
        check_settings(settings, "TerritoryProblem.from_cost_matrix", own)
        check_measures_arg(measures)
        pieces = pieces_from_cost_matrix(
            cost,
            measures,
            check_centres(reps, centres),  # type: ignore[arg-type]
            graph=graph,
            candidates=candidates,
            cost_label=cost_label,
            distance_km=distance_km,
        )
        return cls._assemble(pieces, contiguity, settings)

    @classmethod
    def from_graph(
        cls,
        G: nx.Graph,
        reps: pd.DataFrame | int | None = None,
        *,
        centres: int | None = None,
        measures: pd.DataFrame | Sequence[str] | None = None,
        cost: GraphCost = "hops",
        candidates: Sequence[Hashable] | None = None,
        contiguity: ContiguityMode = "sp",
        **settings: Unpack[ProblemSettings],
    ) -> TerritoryProblem:
        """Build a problem on any networkx graph.

        Parameters
        ----------
        G : networkx.Graph
            Nodes are unit ids (copied, never modified).
        reps : pandas.DataFrame or int
            Index rep id with ``home`` (node) and optional ``fte``; or ``k`` free centres.
        centres : int, optional
            ``k`` free centres (instead of ``reps``; see :meth:`from_cost_matrix`).
        measures : pandas.DataFrame or sequence of str, optional
            A table indexed by node, or names of numeric node attributes (default: every
            numeric attribute present on all nodes). A mapping is refused: tolerances go in
            ``balance={"measure": 0.05}``.
        cost : "hops", callable or pandas.DataFrame
            Hop distance on ``G`` (default), ``f(unit, centre_unit) -> float``, or a matrix
            (rows units, columns reps — or candidate units when centres are free).
        candidates : sequence, optional
            Free centres: the candidate units (default all nodes).
        contiguity : {"sp", "flow", "cuts", None}
            Contiguity mode (default ``"sp"``).
        **settings
            See :meth:`from_cost_matrix`.
        """
        own = ("centres", "measures", "cost", "candidates", "contiguity")
        check_settings(settings, "TerritoryProblem.from_graph", own)
        check_measures_arg(measures)
        pieces = pieces_from_graph(
            G,
            check_centres(reps, centres),  # type: ignore[arg-type]
            measures=measures,
            cost=cost,
            candidates=candidates,
        )
        return cls._assemble(pieces, contiguity, settings)

    @classmethod
    def from_geodataframe(
        cls,
        units: gpd.GeoDataFrame,
        reps: pd.DataFrame | gpd.GeoDataFrame | int | None = None,
        *,
        centres: int | None = None,
        id_col: str | None = None,
        measures: Sequence[str] | None = None,
        graph: nx.Graph | None = None,
        adjacency: Literal["rook", "queen"] = "rook",
        islands: Literal["bridge", "drop", "raise"] = "bridge",
        cost: Literal["geodesic", "hops"] | pd.DataFrame = "geodesic",
        candidates: Sequence[Hashable] | None = None,
        contiguity: ContiguityMode = "sp",
        **settings: Unpack[ProblemSettings],
    ) -> TerritoryProblem:
        """Build a problem from unit polygons and reps' homes.

        Parameters
        ----------
        units : geopandas.GeoDataFrame
            One row per unit with geometry and measure columns (not modified).
        reps : pandas.DataFrame, geopandas.GeoDataFrame or int
            Index rep id; ``home`` = unit id, or point geometry (the home is the unit that
            contains the point, else the nearest); optional ``fte`` and ``name``. An int
            ``k`` asks for ``k`` free centres.
        centres : int, optional
            ``k`` free centres (instead of ``reps``; see :meth:`from_cost_matrix`).
        id_col : str, optional
            Column of unit ids (default: the index).
        measures : sequence of str, optional
            Measure columns (default: every numeric column). A mapping is refused:
            tolerances go in ``balance={"measure": 0.05}``.
        graph : networkx.Graph, optional
            Precomputed adjacency (default: :func:`territory_opt.graph.adjacency.adjacency_graph`
            with ``adjacency`` and ``islands``).
        cost : {"geodesic", "hops"} or pandas.DataFrame
            Geodesic km from unit centroid to the home (point), hop distance, or a matrix.
        candidates : sequence, optional
            Free centres: candidate units (default all).
        contiguity : {"sp", "flow", "cuts", None}
            Contiguity mode (default ``"sp"``).
        **settings
            See :meth:`from_cost_matrix`; ``baseline`` may name a column of ``units``.
        """
        own = (
            "centres", "id_col", "measures", "graph", "adjacency", "islands", "cost",
            "candidates", "contiguity",
        )  # fmt: skip
        check_settings(settings, "TerritoryProblem.from_geodataframe", own)
        check_measures_arg(measures)
        pieces = pieces_from_geodataframe(
            units,
            check_centres(reps, centres),  # type: ignore[arg-type]
            id_col=id_col,
            measures=measures,
            graph=graph,
            adjacency=adjacency,
            islands=islands,
            cost=cost,
            candidates=candidates,
            baseline=settings.get("baseline"),
        )
        return cls._assemble(pieces, contiguity, settings)
