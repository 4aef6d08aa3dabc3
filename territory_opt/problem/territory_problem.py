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
style). ``cost[i, c]`` is the cost of unit ``i`` in column ``c`` and ``roots[c]`` the unit
index of the column's centre (``-1``: a fixed rep without a home unit).

Settings shared by the constructors
-----------------------------------
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
objective, tie_break
    ``"cost"`` (default) or ``"disruption"`` as the main objective; with ``tie_break`` the
    other one is then optimised with the main one held at its optimum (lexicographic).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import Problem, ValidationError
from ..graph.crs import metric_crs
from .objective import Objective, objective_matrix, parse_objective
from .rep_targets import TARGET_SHARE_SUFFIX, target_share_columns, target_weights

__all__ = [
    "Balance",
    "ContiguityMode",
    "TerritoryProblem",
]

ContiguityMode = Literal["sp", "flow", "cuts"] | None
_CONTIGUITY = ("sp", "flow", "cuts", None)


@dataclass(frozen=True)
class Balance:
    """One balanced measure.

    Parameters
    ----------
    measure : str
        Measure (column) name.
    tolerance : float, optional
        Relative tolerance around the FTE-proportional target ``s_r * total``:
        a territory holds between ``(1 - tolerance)`` and ``(1 + tolerance)`` of its target.
    lower, upper : float, optional
        Absolute bounds for every territory (instead of, or on top of, ``tolerance``); with
        free centres and with fixed ones alike they apply to each territory unscaled.
    penalty : float, optional
        ``None`` (default): the bounds are hard. A number: they are soft, and the objective
        pays ``penalty`` per unit of deviation beyond them, measured as a fraction of the
        target (so 0.01 = 1 % of target), summed over territories.
    """

    measure: str
    tolerance: float | None = None
    lower: float | None = None
    upper: float | None = None
    penalty: float | None = None

    @property
    def hard(self) -> bool:
        """True when the bounds are hard constraints."""
        return self.penalty is None


BalanceSpec = Mapping[str, "float | Balance"] | Sequence[Balance] | None


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
        _validate(self)

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
            raise ValidationError(
                [
                    Problem(
                        "units", f"unit {unit!r}", "is not a unit.", "use an id of the units table."
                    )
                ]
            )
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
            if self.graph is None:
                nb: tuple[np.ndarray, ...] = tuple(
                    np.zeros(0, dtype=np.int64) for _ in self.unit_ids
                )
            else:
                pos = self._positions()
                nb = tuple(
                    np.array(
                        sorted(pos[v] for v in self.graph.neighbors(u) if v != u), dtype=np.int64
                    )
                    for u in self.unit_ids
                )
            self._cache["nbrs"] = nb
        return self._cache["nbrs"]  # type: ignore[no-any-return]

    def hops_from_roots(self) -> np.ndarray:
        """``(n, K)`` hop distance in the graph from each column's root (``inf`` if unreachable)."""
        if "hops" not in self._cache:
            out = np.full((self.n_units, self.n_columns), np.inf)
            nb = self.neighbors()
            for c, root in enumerate(self.roots.tolist()):
                if root < 0:
                    continue
                out[:, c] = _bfs(nb, root, self.n_units)
            out.setflags(write=False)
            self._cache["hops"] = out
        return self._cache["hops"]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ variants
    def replace(self, **changes: Any) -> TerritoryProblem:
        """A new problem with some settings changed (validated again).

        ``balance`` accepts the same shorthand as the constructors; ``disruption_budget`` a
        number or ``"x%"``; ``locks`` and ``baseline`` mappings unit id -> rep id.
        """
        if "balance" in changes:
            changes["balance"] = _parse_balance(changes["balance"])
        if "locks" in changes and isinstance(changes["locks"], Mapping):
            changes["locks"] = _parse_locks(changes["locks"], self.unit_ids, self.rep_ids)
        if (
            "baseline" in changes
            and changes["baseline"] is not None
            and not isinstance(changes["baseline"], np.ndarray)
        ):
            changes["baseline"] = _parse_baseline(changes["baseline"], self.unit_ids, self.rep_ids)
        if {"objective", "then", "slack"} & set(changes):
            spec = changes.pop("objective", self.goal if self.goal is not None else self.objective)
            then, slack = changes.pop("then", None), changes.pop("slack", None)
            if spec in ("cost", "disruption"):
                changes["objective"], changes["goal"] = spec, None
            else:
                changes["objective"] = "cost"
                changes["goal"] = parse_objective(spec, then=then, slack=slack)
        if "disruption_budget" in changes:
            measure = changes.get("disruption", self.disruption)
            changes["disruption_budget"] = _parse_budget(
                changes["disruption_budget"], self.measures, measure
            )
        changes["_cache"] = {}
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_cost_matrix(
        cls,
        cost: pd.DataFrame,
        measures: pd.DataFrame,
        reps: pd.DataFrame | int | None = None,
        *,
        graph: nx.Graph | None = None,
        candidates: Sequence[Hashable] | None = None,
        cost_label: str = "cost",
        distance_km: pd.DataFrame | None = None,
        **settings: Any,
    ) -> TerritoryProblem:
        """Build a problem from a cost matrix and a measures table (no geometry needed).

        Parameters
        ----------
        cost : pandas.DataFrame
            Fixed centres: rows unit ids, columns rep ids. Free centres (``reps`` an int,
            or reps without homes): rows and columns unit ids (columns = candidate centres).
        measures : pandas.DataFrame
            Index unit id; numeric measure columns.
        reps : pandas.DataFrame or int, optional
            Index rep id; optional ``home`` (unit id) and ``fte`` (default 1) columns. An int
            ``k`` means ``k`` free centres. Default: one rep per cost column, no homes.
        graph : networkx.Graph, optional
            Unit adjacency, needed for contiguity.
        candidates : sequence, optional
            Free centres: units allowed as centres (default: the cost columns).
        cost_label : str
            What the cost is ("km", "minutes"...), for reports.
        distance_km : pandas.DataFrame, optional
            Unit x rep km for the report (defaults to ``cost`` when ``cost_label == "km"``).
        **settings
            balance, power, weight, baseline, disruption, disruption_budget,
            disruption_weight, locks, contiguity, objective, tie_break (module doc).
        """
        meas = _measures_frame(measures)
        unit_ids = tuple(meas.index)
        free, rep_frame = _rep_frame(reps, default_ids=list(cost.columns))
        if free:
            cand = list(candidates) if candidates is not None else list(cost.columns)
            arr = _check_cost(cost, unit_ids, cand)
            pos = {u: i for i, u in enumerate(unit_ids)}
            roots = _candidate_roots(cand, pos)
        else:
            arr = _check_cost(cost, unit_ids, list(rep_frame.index))
            roots = _home_indices(rep_frame, unit_ids)
        dist = None
        if distance_km is not None:
            dist = _check_cost(
                distance_km, unit_ids, list(cost.columns) if free else list(rep_frame.index)
            )
        elif cost_label == "km":
            dist = arr
        return _finish(
            unit_ids=unit_ids,
            reps=rep_frame,
            measures=meas,
            cost=arr,
            roots=roots,
            free=free,
            graph=graph,
            units=None,
            distance_km=dist,
            cost_label=cost_label,
            **settings,
        )

    @classmethod
    def from_graph(
        cls,
        G: nx.Graph,
        reps: pd.DataFrame | int,
        *,
        measures: pd.DataFrame | Sequence[str] | None = None,
        cost: Literal["hops"] | Callable[[Hashable, Hashable], float] | pd.DataFrame = "hops",
        candidates: Sequence[Hashable] | None = None,
        contiguity: ContiguityMode = "sp",
        **settings: Any,
    ) -> TerritoryProblem:
        """Build a problem on any networkx graph.

        Parameters
        ----------
        G : networkx.Graph
            Nodes are unit ids (copied, never modified).
        reps : pandas.DataFrame or int
            Index rep id with ``home`` (node) and optional ``fte``; or ``k`` free centres.
        measures : pandas.DataFrame or sequence of str, optional
            A table indexed by node, or names of numeric node attributes (default: every
            numeric attribute present on all nodes).
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
        nodes = list(G.nodes)
        meas = _graph_measures(G, nodes, measures)
        unit_ids = tuple(meas.index)
        free, rep_frame = _rep_frame(reps, default_ids=None)
        pos = {u: i for i, u in enumerate(unit_ids)}
        if free:
            cand = list(candidates) if candidates is not None else list(unit_ids)
            bad = [c for c in cand if c not in pos]
            if bad:
                raise ValidationError(
                    [
                        Problem(
                            "settings",
                            f"candidates {bad[:5]}",
                            "are not nodes of the graph.",
                            "candidate centres must be nodes.",
                        )
                    ]
                )
            roots = np.array([pos[c] for c in cand], dtype=np.int64)
            col_labels: list[Hashable] = cand
        else:
            roots = _home_indices(rep_frame, unit_ids)
            col_labels = list(rep_frame.index)
        label = "cost"
        if isinstance(cost, str):
            if cost != "hops":
                raise ValidationError(
                    [
                        Problem(
                            "settings",
                            f"cost={cost!r}",
                            "unknown cost.",
                            "use 'hops', a function or a DataFrame.",
                        )
                    ]
                )
            missing = [rep for rep, r in zip(col_labels, roots.tolist(), strict=True) if r < 0]
            if missing:
                raise ValidationError(
                    [
                        Problem(
                            "reps",
                            f"reps {missing[:5]}",
                            "hop costs need a home unit per rep.",
                            "give each rep a 'home' node.",
                        )
                    ]
                )
            from ..graph.distance import hop_matrix

            targets = [unit_ids[r] for r in roots.tolist()]
            hm = hop_matrix(G, unit_ids, targets).to_numpy()
            arr = np.where(np.isfinite(hm), hm, float(len(unit_ids)))
            label = "hops"
        elif callable(cost):
            arr = np.array(
                [
                    [float(cost(u, unit_ids[r])) if r >= 0 else 0.0 for r in roots.tolist()]
                    for u in unit_ids
                ]
            )
            arr = _check_cost(
                pd.DataFrame(arr, index=list(unit_ids), columns=range(len(col_labels))),
                unit_ids,
                list(range(len(col_labels))),
            )
        else:
            arr = _check_cost(cost, unit_ids, col_labels)
        return _finish(
            unit_ids=unit_ids,
            reps=rep_frame,
            measures=meas,
            cost=arr,
            roots=roots,
            free=free,
            graph=G,
            units=None,
            distance_km=None,
            cost_label=label,
            contiguity=contiguity,
            **settings,
        )

    @classmethod
    def from_geodataframe(
        cls,
        units: gpd.GeoDataFrame,
        reps: pd.DataFrame | gpd.GeoDataFrame | int,
        *,
        id_col: str | None = None,
        measures: Sequence[str] | None = None,
        graph: nx.Graph | None = None,
        adjacency: Literal["rook", "queen"] = "rook",
        islands: Literal["bridge", "drop", "raise"] = "bridge",
        cost: Literal["geodesic", "hops"] | pd.DataFrame = "geodesic",
        candidates: Sequence[Hashable] | None = None,
        contiguity: ContiguityMode = "sp",
        **settings: Any,
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
        id_col : str, optional
            Column of unit ids (default: the index).
        measures : sequence of str, optional
            Measure columns (default: every numeric column).
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
        from ..graph.adjacency import adjacency_graph
        from ..graph.distance import geodesic_km, unit_points

        if not isinstance(units, gpd.GeoDataFrame):
            raise ValidationError(
                [
                    Problem(
                        "units",
                        "units",
                        "is not a GeoDataFrame.",
                        "pass a geopandas.GeoDataFrame with polygons.",
                    )
                ]
            )
        u = units.copy()
        if id_col is not None:
            if id_col not in u.columns:
                raise ValidationError(
                    [
                        Problem(
                            "units",
                            f"column {id_col!r}",
                            "does not exist.",
                            f"use one of {list(u.columns)}.",
                        )
                    ]
                )
            u = u.set_index(id_col, drop=False)
        if u.index.has_duplicates:
            dup = u.index[u.index.duplicated()].unique().tolist()
            raise ValidationError(
                [
                    Problem(
                        "units",
                        f"units {dup[:5]}",
                        "ids are duplicated.",
                        "give each unit a unique id.",
                    )
                ]
            )
        meas_cols = (
            list(measures)
            if measures is not None
            else [
                c
                for c in u.columns
                if c != u.geometry.name
                and c != id_col
                and pd.api.types.is_numeric_dtype(u[c])
                and not pd.api.types.is_bool_dtype(u[c])
            ]
        )
        missing = [c for c in meas_cols if c not in u.columns]
        if missing:
            raise ValidationError(
                [
                    Problem(
                        "units",
                        f"columns {missing}",
                        "are missing.",
                        f"use columns among {list(u.columns)}.",
                    )
                ]
            )
        meas = _measures_frame(pd.DataFrame(u[meas_cols]))
        unit_ids = tuple(meas.index)
        settings = dict(settings)
        if isinstance(settings.get("baseline"), str):
            col = settings["baseline"]
            if col not in u.columns:
                raise ValidationError(
                    [
                        Problem(
                            "units",
                            f"column {col!r}",
                            "baseline column does not exist.",
                            "name an existing column or pass a mapping.",
                        )
                    ]
                )
            settings["baseline"] = u[col]
        pts = unit_points(u)
        free, rep_frame = _rep_frame(reps, default_ids=None)
        point_homes: gpd.GeoSeries | None = None
        if not free and isinstance(reps, gpd.GeoDataFrame) and "home" not in reps.columns:
            point_homes = (
                reps.geometry.to_crs("EPSG:4326") if reps.crs is not None else reps.geometry
            )
            rep_frame = rep_frame.copy()
            rep_frame["home"] = _locate_points(u, reps)
        G = (
            graph.copy()
            if graph is not None
            else adjacency_graph(u, contiguity=adjacency, islands=islands)
        )
        dropped = set(G.graph.get("dropped", []))
        if dropped:
            keep = [x for x in unit_ids if x not in dropped]
            meas = meas.loc[keep]
            unit_ids = tuple(keep)
            u = u.loc[keep]
            pts = pts.loc[keep]
        pos = {x: i for i, x in enumerate(unit_ids)}
        if free:
            cand = list(candidates) if candidates is not None else list(unit_ids)
            roots = _candidate_roots(cand, pos)
            cols_pts = pts.loc[cand]
        else:
            roots = _home_indices(rep_frame, unit_ids)
            cols_pts = point_homes if point_homes is not None else pts.iloc[roots]
        km = geodesic_km(pts, gpd.GeoSeries(list(cols_pts), crs="EPSG:4326")).to_numpy()
        label = "km"
        if isinstance(cost, str):
            if cost == "geodesic":
                arr = km
            elif cost == "hops":
                from ..graph.distance import hop_matrix

                hm = hop_matrix(G, unit_ids, [unit_ids[r] for r in roots.tolist()]).to_numpy()
                arr = np.where(np.isfinite(hm), hm, float(len(unit_ids)))
                label = "hops"
            else:
                raise ValidationError(
                    [
                        Problem(
                            "settings",
                            f"cost={cost!r}",
                            "unknown cost.",
                            "use 'geodesic', 'hops' or a DataFrame.",
                        )
                    ]
                )
        else:
            arr = _check_cost(cost, unit_ids, list(cand) if free else list(rep_frame.index))
            label = "cost"
        name_col = next((c for c in ("name", "nom", "libelle") if c in u.columns), None)
        geo_cols = [name_col, u.geometry.name] if name_col else [u.geometry.name]
        geo = gpd.GeoDataFrame(u[geo_cols].copy(), geometry=u.geometry.name, crs=u.crs)
        return _finish(
            unit_ids=unit_ids,
            reps=rep_frame,
            measures=meas,
            cost=arr,
            roots=roots,
            free=free,
            graph=G,
            units=geo,
            distance_km=km,
            cost_label=label,
            contiguity=contiguity,
            **settings,
        )


# ---------------------------------------------------------------------- helpers


def _bfs(nb: Sequence[np.ndarray], root: int, n: int) -> np.ndarray:
    d = np.full(n, np.inf)
    d[root] = 0.0
    frontier = [root]
    level = 0.0
    while frontier:
        level += 1.0
        nxt = []
        for v in frontier:
            for w in nb[v].tolist():
                if d[w] == np.inf:
                    d[w] = level
                    nxt.append(w)
        frontier = nxt
    return d


def _candidate_roots(cand: Sequence[Hashable], pos: Mapping[Hashable, int]) -> np.ndarray:
    """Unit indices of the candidate centres; every candidate must be a unit."""
    bad = [c for c in cand if c not in pos]
    if bad:
        raise ValidationError(
            [
                Problem(
                    "settings",
                    f"candidates {bad[:5]}",
                    "are not units.",
                    "candidate centres must be unit ids.",
                )
            ]
        )
    return np.array([pos[c] for c in cand], dtype=np.int64)


def _few(items: Sequence[Any], k: int = 5) -> str:
    s = ", ".join(map(str, list(items)[:k]))
    return s + (", ..." if len(items) > k else "")


def _check_cost(
    cost: pd.DataFrame, units: Sequence[Hashable], cols: Sequence[Hashable]
) -> np.ndarray:
    from ..graph.distance import check_cost_matrix

    if not isinstance(cost, pd.DataFrame):
        raise ValidationError(
            [
                Problem(
                    "settings",
                    "cost",
                    "is not a DataFrame.",
                    "pass a DataFrame: rows unit ids, columns rep ids.",
                )
            ]
        )
    return check_cost_matrix(cost, units, cols, what="cost")


def _measures_frame(measures: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(measures, pd.DataFrame):
        raise ValidationError(
            [
                Problem(
                    "units",
                    "measures",
                    "is not a DataFrame.",
                    "pass a DataFrame indexed by unit id.",
                )
            ]
        )
    if measures.index.has_duplicates:
        dup = measures.index[measures.index.duplicated()].unique().tolist()
        raise ValidationError(
            [
                Problem(
                    "units",
                    f"units {_few(dup)}",
                    "ids are duplicated.",
                    "give each unit a unique id.",
                )
            ]
        )
    problems: list[Problem] = []
    out = {}
    for c in measures.columns:
        s = pd.to_numeric(measures[c], errors="coerce").astype(float)
        bad = s.index[~np.isfinite(s.to_numpy())].tolist()
        if bad:
            problems.append(
                Problem(
                    "units",
                    f"column {c!r}, units {_few(bad)}",
                    f"{len(bad)} value(s) are missing or not numbers.",
                    "fill them (0 if the unit has none).",
                )
            )
        neg = s.index[s.to_numpy() < 0].tolist()
        if neg:
            problems.append(
                Problem(
                    "units",
                    f"column {c!r}, units {_few(neg)}",
                    f"{len(neg)} value(s) are negative.",
                    "measures must be >= 0.",
                )
            )
        out[str(c)] = s.to_numpy(copy=True)
    if problems:
        raise ValidationError(problems)
    return pd.DataFrame(out, index=measures.index.copy())


def _graph_measures(
    G: nx.Graph, nodes: list[Hashable], measures: pd.DataFrame | Sequence[str] | None
) -> pd.DataFrame:
    if isinstance(measures, pd.DataFrame):
        missing = [n for n in nodes if n not in measures.index]
        if missing:
            raise ValidationError(
                [
                    Problem(
                        "units",
                        f"nodes {_few(missing)}",
                        "have no row in the measures table.",
                        "give one row per graph node.",
                    )
                ]
            )
        extra = [n for n in measures.index if n not in G]
        if extra:
            raise ValidationError(
                [
                    Problem(
                        "units",
                        f"units {_few(extra)}",
                        "are not nodes of the graph.",
                        "drop them or add them to the graph.",
                    )
                ]
            )
        return _measures_frame(measures.loc[nodes])
    if measures is None:
        keys: set[str] | None = None
        for n in nodes:
            ks = {
                k
                for k, v in G.nodes[n].items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            keys = ks if keys is None else keys & ks
        names = sorted(keys or ())
    else:
        names = list(measures)
    rows = {}
    for name in names:
        vals = []
        for n in nodes:
            if name not in G.nodes[n]:
                raise ValidationError(
                    [
                        Problem(
                            "units",
                            f"node {n!r}",
                            f"has no attribute {name!r}.",
                            "set it on every node.",
                        )
                    ]
                )
            vals.append(G.nodes[n][name])
        rows[name] = vals
    return _measures_frame(pd.DataFrame(rows, index=pd.Index(nodes)))


def _rep_frame(
    reps: pd.DataFrame | int | None, default_ids: list[Hashable] | None
) -> tuple[bool, pd.DataFrame]:
    """Normalise reps to a frame (index rep id; home, fte[, name]); return (free, frame)."""
    if reps is None:
        if default_ids is None:
            raise ValidationError(
                [Problem("reps", "reps", "are missing.", "pass a reps table or an int k.")]
            )
        return False, pd.DataFrame(
            {"home": [None] * len(default_ids), "fte": 1.0}, index=pd.Index(default_ids)
        )
    if isinstance(reps, int | np.integer) and not isinstance(reps, bool):
        k = int(reps)
        if k < 1:
            raise ValidationError(
                [Problem("reps", f"k={k}", "needs at least one rep.", "pass k >= 1.")]
            )
        return True, pd.DataFrame(
            {"home": [None] * k, "fte": 1.0}, index=pd.RangeIndex(k, name="rep")
        )
    if not isinstance(reps, pd.DataFrame):
        raise ValidationError(
            [
                Problem(
                    "reps",
                    "reps",
                    "is not a DataFrame.",
                    "pass a DataFrame indexed by rep id, or an int k.",
                )
            ]
        )
    if reps.index.has_duplicates:
        dup = reps.index[reps.index.duplicated()].unique().tolist()
        raise ValidationError(
            [
                Problem(
                    "reps", f"reps {_few(dup)}", "ids are duplicated.", "give each rep a unique id."
                )
            ]
        )
    if len(reps) == 0:
        raise ValidationError(
            [Problem("reps", "reps", "the table is empty.", "give at least one rep.")]
        )
    frame = pd.DataFrame(index=reps.index.copy())
    if "home" in reps.columns:
        frame["home"] = [
            None if (h is None or (isinstance(h, float) and math.isnan(h))) else h
            for h in reps["home"]
        ]
    else:
        frame["home"] = [None] * len(reps)
    frame["home"] = frame["home"].astype(object)
    if "fte" in reps.columns:
        fte = pd.to_numeric(reps["fte"], errors="coerce").astype(float)
        bad = fte.index[~(fte.to_numpy() > 0)].tolist()
        if bad:
            raise ValidationError(
                [
                    Problem(
                        "reps",
                        f"reps {_few(bad)}",
                        "FTE must be a positive number.",
                        "set 'fte' > 0 (1.0 for a full-time rep).",
                    )
                ]
            )
        frame["fte"] = fte.to_numpy(copy=True)
    else:
        frame["fte"] = 1.0
    if "name" in reps.columns:
        frame["name"] = reps["name"].to_numpy(copy=True)
    for col in target_share_columns(reps):  # per-rep balance targets (rep_targets.py)
        frame[col] = pd.to_numeric(reps[col], errors="coerce").to_numpy(copy=True)
        target_weights(frame, [col.removesuffix(TARGET_SHARE_SUFFIX)])  # clear error if bad
    has_geom = isinstance(reps, gpd.GeoDataFrame) and "home" not in reps.columns
    free = bool(frame["home"].isna().all()) and not has_geom and default_ids is None
    if free:
        fte_vals = frame["fte"].to_numpy()
        if not np.allclose(fte_vals, fte_vals[0]):
            raise ValidationError(
                [
                    Problem(
                        "reps",
                        "fte",
                        "free centres need reps of equal FTE.",
                        "give homes, or equal FTE.",
                    )
                ]
            )
    return free, frame


def _home_indices(rep_frame: pd.DataFrame, unit_ids: Sequence[Hashable]) -> np.ndarray:
    pos = {u: i for i, u in enumerate(unit_ids)}
    out = []
    problems = []
    for rep, home in zip(rep_frame.index, rep_frame["home"], strict=True):
        if home is None:
            out.append(-1)
        elif home in pos:
            out.append(pos[home])
        else:
            problems.append(
                Problem(
                    "reps",
                    f"rep {rep!r}",
                    f"home {home!r} is not a unit.",
                    "use the id of the unit the rep lives in.",
                )
            )
            out.append(-1)
    if problems:
        raise ValidationError(problems)
    return np.array(out, dtype=np.int64)


def _locate_points(units: gpd.GeoDataFrame, reps: gpd.GeoDataFrame) -> list[Hashable]:
    if reps.crs is None:
        raise ValidationError(
            [
                Problem(
                    "reps",
                    "crs",
                    "rep points have no CRS.",
                    "set it, e.g. reps.set_crs('EPSG:4326').",
                )
            ]
        )
    crs = metric_crs(units)
    pts = reps.geometry.to_crs(crs)
    polys = units.geometry.to_crs(crs)
    joined = gpd.sjoin_nearest(
        gpd.GeoDataFrame(geometry=pts.to_numpy(), crs=crs),
        gpd.GeoDataFrame(geometry=polys.to_numpy(), crs=crs),
        how="left",
        distance_col="_dist",
    )
    joined = joined[~joined.index.duplicated(keep="first")].sort_index()
    # A home a little outside the units (a rep living across the border) goes to the
    # nearest unit; one far away is a coordinate/CRS mistake, never silently snapped.
    xmin, ymin, xmax, ymax = polys.total_bounds
    far = max(50_000.0, 0.5 * math.hypot(xmax - xmin, ymax - ymin))
    dist = joined["_dist"].to_numpy(dtype=float)
    bad = [r for r, d in zip(reps.index, dist, strict=True) if not (np.isfinite(d) and d <= far)]
    if bad or joined["index_right"].isna().any():
        raise ValidationError(
            [
                Problem(
                    "reps",
                    f"rep(s) {_few(bad)}",
                    f"home point lies more than {far / 1000:.0f} km from every unit "
                    f"(reps CRS {reps.crs.to_string()}, units CRS "
                    f"{units.crs.to_string() if units.crs is not None else None}).",
                    "check that the reps' coordinates are in the CRS they declare "
                    "(lon/lat = EPSG:4326, Lambert-93 metres = EPSG:2154; x/y not swapped), "
                    "or give each rep's home unit id.",
                )
            ]
        )
    return [units.index[int(j)] for j in joined["index_right"].to_numpy()]


def _parse_balance(balance: BalanceSpec) -> tuple[Balance, ...]:
    if balance is None:
        return ()
    if isinstance(balance, Balance):
        return (balance,)
    if isinstance(balance, Mapping):
        out = []
        for m, v in balance.items():
            if isinstance(v, Balance):
                out.append(v if v.measure == m else dataclasses.replace(v, measure=str(m)))
            else:
                out.append(Balance(str(m), tolerance=float(v)))
        return tuple(out)
    out2 = []
    for b in balance:
        if not isinstance(b, Balance):
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        f"balance {b!r}",
                        "is not a Balance.",
                        "pass {'measure': tolerance} or Balance objects.",
                    )
                ]
            )
        out2.append(b)
    return tuple(out2)


def _rep_lookup(rep_ids: Sequence[Hashable]) -> dict[Hashable, int]:
    lut: dict[Hashable, int] = {}
    for i, r in enumerate(rep_ids):
        lut[r] = i
        lut.setdefault(str(r), i)
    return lut


def _parse_baseline(
    baseline: Mapping[Hashable, Hashable] | pd.Series,
    unit_ids: Sequence[Hashable],
    rep_ids: Sequence[Hashable],
) -> np.ndarray:
    s = baseline if isinstance(baseline, pd.Series) else pd.Series(dict(baseline))
    reps = _rep_lookup(rep_ids)
    out = np.full(len(unit_ids), -1, dtype=np.int64)
    pos = {u: i for i, u in enumerate(unit_ids)}
    unknown_units = [u for u in s.index if u not in pos]
    problems = []
    bad_reps = []
    for u, r in s.items():
        if u not in pos or r is None or (isinstance(r, float) and math.isnan(r)):
            continue
        if r in reps:
            out[pos[u]] = reps[r]
        elif isinstance(r, float) and r.is_integer() and int(r) in reps:
            out[pos[u]] = reps[int(r)]
        else:
            bad_reps.append((u, r))
    if bad_reps:
        problems.append(
            Problem(
                "baseline",
                f"units {_few([u for u, _ in bad_reps])}",
                f"name reps that do not exist ({_few(sorted({str(r) for _, r in bad_reps}))}).",
                "use rep ids of the reps table, or leave empty.",
            )
        )
    if unknown_units and len(unknown_units) == len(s):
        problems.append(
            Problem(
                "baseline",
                f"units {_few(unknown_units)}",
                "no baseline unit is a unit of the problem.",
                "index the baseline by unit id.",
            )
        )
    if problems:
        raise ValidationError(problems)
    return out


def _parse_locks(
    locks: Mapping[Hashable, Hashable], unit_ids: Sequence[Hashable], rep_ids: Sequence[Hashable]
) -> tuple[tuple[int, int], ...]:
    pos = {u: i for i, u in enumerate(unit_ids)}
    reps = _rep_lookup(rep_ids)
    out = []
    problems = []
    for u, r in locks.items():
        if u not in pos:
            problems.append(
                Problem("locks", f"unit {u!r}", "is not a unit.", "lock existing unit ids only.")
            )
        elif r not in reps:
            problems.append(
                Problem(
                    "locks",
                    f"unit {u!r}",
                    f"is locked to {r!r}, which is not a rep.",
                    "lock to an existing rep id.",
                )
            )
        else:
            out.append((pos[u], reps[r]))
    if problems:
        raise ValidationError(problems)
    return tuple(sorted(out))


def _parse_budget(
    budget: float | str | None, measures: pd.DataFrame, measure: str | None
) -> float | None:
    if budget is None:
        return None
    if isinstance(budget, str):
        txt = budget.strip()
        if not txt.endswith("%"):
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        f"disruption_budget={budget!r}",
                        "is not a number or a percentage.",
                        "use e.g. 120 or '5%'.",
                    )
                ]
            )
        if measure is None or measure not in measures.columns:
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        "disruption",
                        "a percentage budget needs a disruption measure.",
                        "set disruption='accounts' (a measure column).",
                    )
                ]
            )
        try:
            pct = float(txt[:-1])
        except ValueError:
            pct = math.nan
        if not 0.0 <= pct <= 100.0:
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        f"disruption_budget={budget!r}",
                        "a percentage budget must lie between 0 % and 100 % of the "
                        f"{measure!r} total.",
                        "use e.g. '10%' (100 % already allows every unit to change rep).",
                    )
                ]
            )
        return pct / 100.0 * float(measures[measure].sum())
    return float(budget)


def _finish(
    *,
    unit_ids: tuple[Hashable, ...],
    reps: pd.DataFrame,
    measures: pd.DataFrame,
    cost: np.ndarray,
    roots: np.ndarray,
    free: bool,
    graph: nx.Graph | None,
    units: gpd.GeoDataFrame | None,
    distance_km: np.ndarray | None,
    cost_label: str,
    balance: BalanceSpec = None,
    power: int = 1,
    weight: str | None = None,
    baseline: Mapping[Hashable, Hashable] | pd.Series | None = None,
    disruption: str | None = "auto",
    disruption_budget: float | str | None = None,
    disruption_weight: float = 0.0,
    locks: Mapping[Hashable, Hashable] | None = None,
    contiguity: ContiguityMode = None,
    objective: Any = None,
    tie_break: bool = False,
    then: Any = None,
    slack: float | None = None,
    visits: str | None = None,
    compact_floor: float = 1.0,
) -> TerritoryProblem:
    rep_ids = list(reps.index)
    base = None if baseline is None else _parse_baseline(baseline, unit_ids, rep_ids)
    if objective is None:
        # the round-1 cost objective until the search balances every mode on real data
        # (issue 16: "redeploy", fewest changes first, is an explicit choice for now)
        objective = "cost"
    goal = None
    if objective not in ("cost", "disruption"):
        goal = parse_objective(objective, then=then, slack=slack)
        if base is None and "changes" in goal.names + (goal.then.names if goal.then else ()):
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        f"objective={objective!r}",
                        "counts changes of rep but there is no current plan.",
                        "pass baseline= (unit -> rep), or use objective='redesign' (--objective redesign).",
                    )
                ]
            )
        objective = "cost"
    elif then is not None:
        raise ValidationError(
            [
                Problem(
                    "settings",
                    "then",
                    f"needs a named objective, not objective={objective!r}.",
                    "e.g. objective='changes', then='travel'.",
                )
            ]
        )
    if disruption == "auto":
        disruption = "accounts" if "accounts" in measures.columns else None
        if (
            disruption is None
            and base is not None
            and (disruption_budget is not None or disruption_weight or objective == "disruption")
        ):
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        "disruption",
                        "no 'accounts' measure to count disruption.",
                        "set disruption='<measure>' explicitly.",
                    )
                ]
            )
    return TerritoryProblem(
        unit_ids=tuple(unit_ids),
        reps=reps.copy(),
        measures=measures.copy(),
        cost=np.asarray(cost, dtype=float),
        roots=np.asarray(roots, dtype=np.int64),
        free_centres=free,
        balance=_parse_balance(balance),
        power=int(power),
        weight=weight,
        baseline=base,
        disruption=disruption,
        disruption_budget=_parse_budget(disruption_budget, measures, disruption),
        disruption_weight=float(disruption_weight),
        locks=() if locks is None else _parse_locks(locks, unit_ids, rep_ids),
        graph=None if graph is None else graph.copy(),
        contiguity=contiguity,
        objective=objective,
        tie_break=bool(tie_break),
        goal=goal,
        visits=visits,
        compact_floor=float(compact_floor),
        units=units,
        distance_km=distance_km,
        cost_label=cost_label,
    )


def _validate(p: TerritoryProblem) -> None:
    """Collect every structural problem of a problem and raise them together."""
    problems: list[Problem] = []
    n, K = p.n_units, p.n_columns
    if n == 0:
        problems.append(Problem("units", "units", "there are no units.", "give at least one unit."))
    if p.cost.shape != (n, K) or p.roots.shape != (K,):
        problems.append(
            Problem(
                "settings",
                "cost",
                f"shape {p.cost.shape} does not match {n} units x {K} columns.",
                "one row per unit, one column per rep.",
            )
        )
        raise ValidationError(problems)
    if not np.all(np.isfinite(p.cost)) or (p.cost < 0).any():
        i = int(np.argwhere(~(np.isfinite(p.cost) & (p.cost >= 0)))[0][0])
        problems.append(
            Problem(
                "settings",
                f"cost of unit {p.unit_ids[i]!r}",
                "costs must be finite and >= 0.",
                "fix the cost matrix.",
            )
        )
    if not p.free_centres and p.k != K:
        problems.append(
            Problem("settings", "cost", f"{K} cost columns for {p.k} reps.", "one column per rep.")
        )
    if p.free_centres and p.k > K:
        problems.append(
            Problem(
                "settings",
                "candidates",
                f"only {K} candidate centres for {p.k} reps.",
                "allow more candidate units.",
            )
        )
    homes = [int(r) for r in p.roots.tolist() if r >= 0]
    if not p.free_centres and len(set(homes)) != len(homes):
        dup = sorted({p.unit_ids[h] for h in homes if homes.count(h) > 1}, key=str)
        problems.append(
            Problem(
                "reps",
                f"home units {_few(dup)}",
                "several reps share a home unit, which can only belong to one territory.",
                "give them different home units or merge them.",
            )
        )
    if p.power not in (1, 2):
        problems.append(
            Problem(
                "settings",
                f"power={p.power}",
                "must be 1 or 2.",
                "use power=1 (distance) or 2 (moment of inertia).",
            )
        )
    cols = set(p.measures.columns)
    for name, what in ((p.weight, "weight"), (p.disruption, "disruption"), (p.visits, "visits")):
        if name is not None and name not in cols:
            problems.append(
                Problem(
                    "settings",
                    f"{what}={name!r}",
                    "is not a measure.",
                    f"use one of {sorted(cols)}.",
                )
            )
    seen = set()
    for b in p.balance:
        if b.measure not in cols:
            problems.append(
                Problem(
                    "settings",
                    f"balance measure {b.measure!r}",
                    "is not a measure.",
                    f"use one of {sorted(cols)}.",
                )
            )
        if b.measure in seen:
            problems.append(
                Problem(
                    "settings",
                    f"balance measure {b.measure!r}",
                    "is listed twice.",
                    "give one Balance per measure.",
                )
            )
        seen.add(b.measure)
        if b.tolerance is None and b.lower is None and b.upper is None:
            problems.append(
                Problem(
                    "settings",
                    f"balance {b.measure!r}",
                    "has no tolerance nor bounds.",
                    "set tolerance=0.05 or lower/upper.",
                )
            )
        if b.tolerance is not None and not (0 <= b.tolerance < 1):
            hint = (
                f" (did you mean {b.tolerance / 100:g}, i.e. ±{b.tolerance:g} %?)"
                if 1 <= b.tolerance <= 100
                else ""
            )
            problems.append(
                Problem(
                    "settings",
                    f"balance {b.measure!r} tolerance={b.tolerance}",
                    "must be a fraction in [0, 1): 0.05 means ±5 % around the target.",
                    f"use a fraction such as 0.05{hint}; for one-sided bounds use "
                    "Balance(measure, lower=..., upper=...).",
                )
            )
        if b.measure in cols and not float(p.measures[b.measure].sum()) > 0:
            problems.append(
                Problem(
                    "settings",
                    f"balance measure {b.measure!r}",
                    "every unit has 0, so there is nothing to balance.",
                    "fill the measure or drop it from balance=.",
                )
            )
        if b.lower is not None and b.upper is not None and b.lower > b.upper:
            problems.append(
                Problem(
                    "settings",
                    f"balance {b.measure!r}",
                    f"lower {b.lower} > upper {b.upper}.",
                    "swap them.",
                )
            )
        if b.penalty is not None and b.penalty < 0:
            problems.append(
                Problem(
                    "settings",
                    f"balance {b.measure!r} penalty",
                    "must be >= 0.",
                    "use a positive penalty.",
                )
            )
    if p.contiguity not in _CONTIGUITY:
        problems.append(
            Problem(
                "settings",
                f"contiguity={p.contiguity!r}",
                "unknown mode.",
                "use 'sp', 'flow', 'cuts' or None.",
            )
        )
    if p.objective not in ("cost", "disruption"):
        problems.append(
            Problem(
                "settings",
                f"objective={p.objective!r}",
                "unknown objective.",
                "use 'cost' or 'disruption'.",
            )
        )
    if p.disruption_weight < 0:
        problems.append(
            Problem("settings", "disruption_weight", "must be >= 0.", "use 0 or a positive weight.")
        )
    if p.disruption_budget is not None and not (
        math.isfinite(p.disruption_budget) and p.disruption_budget >= 0
    ):
        problems.append(
            Problem(
                "settings",
                f"disruption_budget={p.disruption_budget}",
                "must be a finite number >= 0.",
                "use a non-negative budget, e.g. 120 (accounts) or '10%'.",
            )
        )
    needs_base = (
        p.disruption_budget is not None or p.disruption_weight > 0 or p.objective == "disruption"
    )
    if needs_base and (p.baseline is None or p.disruption is None):
        problems.append(
            Problem(
                "settings",
                "baseline",
                "a disruption budget, weight or objective needs a baseline plan and a disruption measure.",
                "pass baseline= (unit -> rep) and disruption='accounts'.",
            )
        )
    if p.free_centres and (p.baseline is not None and needs_base):
        problems.append(
            Problem(
                "settings",
                "baseline",
                "disruption is not defined with free centres (reps have no identity).",
                "give reps their homes.",
            )
        )
    if p.free_centres and p.locks:
        problems.append(
            Problem(
                "locks",
                "locks",
                "locks are not supported with free centres.",
                "give reps their homes.",
            )
        )
    locked: dict[int, int] = {}
    for i, r in p.locks:
        if i in locked and locked[i] != r:
            problems.append(
                Problem(
                    "locks",
                    f"unit {p.unit_ids[i]!r}",
                    "is locked to two reps.",
                    "keep one lock per unit.",
                )
            )
        locked[i] = r
    if not p.free_centres:
        for r, h in enumerate(p.roots.tolist()):
            if h >= 0 and h in locked and locked[h] != r:
                problems.append(
                    Problem(
                        "locks",
                        f"unit {p.unit_ids[h]!r}",
                        f"is rep {p.rep_ids[r]!r}'s home but is locked to rep {p.rep_ids[locked[h]]!r}.",
                        "remove the lock: a home stays with its rep.",
                    )
                )
    if p.graph is not None:
        nodes = set(p.graph.nodes)
        missing = [u for u in p.unit_ids if u not in nodes]
        extra = [u for u in nodes if u not in p._positions()]
        if missing:
            problems.append(
                Problem(
                    "units",
                    f"units {_few(missing)}",
                    f"{len(missing)} unit(s) are not in the graph.",
                    "build the graph from the same units.",
                )
            )
        if extra:
            problems.append(
                Problem(
                    "units",
                    f"graph nodes {_few(extra)}",
                    f"{len(extra)} graph node(s) are not units.",
                    "drop them from the graph or add them to the units.",
                )
            )
    if p.contiguity is not None:
        if p.graph is None:
            problems.append(
                Problem(
                    "settings",
                    f"contiguity={p.contiguity!r}",
                    "needs a unit graph.",
                    "pass graph= or set contiguity=None.",
                )
            )
        elif not problems:
            if not p.free_centres and (p.roots < 0).any():
                no_home = [p.rep_ids[c] for c in np.flatnonzero(p.roots < 0).tolist()]
                problems.append(
                    Problem(
                        "reps",
                        f"reps {_few(no_home)}",
                        "contiguity is rooted at the home, but these reps have none.",
                        "give every rep a home unit or set contiguity=None.",
                    )
                )
            else:
                root_set = {p.unit_ids[r] for r in p.roots.tolist() if r >= 0}
                for comp in nx.connected_components(p.graph):
                    if not (comp & root_set):
                        listed = sorted(comp, key=str)
                        problems.append(
                            Problem(
                                "units",
                                f"units {_few(listed)}",
                                f"a group of {len(comp)} unit(s) is disconnected from every rep home, so no contiguous territory can reach it.",
                                "bridge islands (adjacency_graph(islands='bridge')), add the missing neighbours, or set contiguity=None.",
                            )
                        )
                    elif p.free_centres and nx.number_connected_components(p.graph) > p.k:
                        problems.append(
                            Problem(
                                "units",
                                "graph",
                                f"the graph has {nx.number_connected_components(p.graph)} components but only {p.k} territories.",
                                "bridge islands or set contiguity=None.",
                            )
                        )
                        break
    if problems:
        raise ValidationError(problems)
