"""The constructors' inputs normalised: measures, reps, homes, candidate centres, costs.

Every function checks one input and raises a :class:`~territory_opt.exceptions.ValidationError`
naming the unit, rep or column at fault and how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ..graph.crs import metric_crs
from ._errors import few, refuse
from .rep_targets import TARGET_SHARE_SUFFIX, target_share_columns, target_weights

__all__ = [
    "candidate_roots",
    "check_cost",
    "graph_measures",
    "home_indices",
    "locate_points",
    "measures_frame",
    "rep_frame",
]


def candidate_roots(
    cand: Sequence[Hashable], pos: Mapping[Hashable, int], *, nodes: bool = False
) -> np.ndarray:
    """Unit indices of the candidate centres; every candidate must be a unit (graph node)."""
    bad = [c for c in cand if c not in pos]
    if bad:
        refuse(
            "settings",
            f"candidates {bad[:5]}",
            "are not nodes of the graph." if nodes else "are not units.",
            "candidate centres must be nodes." if nodes else "candidate centres must be unit ids.",
        )
    return np.array([pos[c] for c in cand], dtype=np.int64)


def check_cost(
    cost: pd.DataFrame, units: Sequence[Hashable], cols: Sequence[Hashable]
) -> np.ndarray:
    from ..graph.distance import check_cost_matrix

    if not isinstance(cost, pd.DataFrame):
        refuse(
            "settings",
            "cost",
            "is not a DataFrame.",
            "pass a DataFrame: rows unit ids, columns rep ids.",
        )
    return check_cost_matrix(cost, units, cols, what="cost")


def _unique_frame(table: object, where: str, name: str, kind: str, fix: str) -> pd.DataFrame:
    """``table``, refused unless it is a DataFrame whose index (the ``kind`` ids) is unique.

    Parameters
    ----------
    table : object
        The caller's table.
    where, name : str
        The input and the item the issues name (e.g. ``"units"``, ``"measures"``).
    kind : str
        What an index id is (``"unit"``, ``"rep"``).
    fix : str
        The fix when ``table`` is not a DataFrame.
    """
    if not isinstance(table, pd.DataFrame):
        refuse(where, name, "is not a DataFrame.", fix)
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()].unique().tolist()
        refuse(
            where, f"{kind}s {few(dup)}", "ids are duplicated.", f"give each {kind} a unique id."
        )
    return table


def measures_frame(measures: pd.DataFrame) -> pd.DataFrame:
    measures = _unique_frame(
        measures, "units", "measures", "unit", "pass a DataFrame indexed by unit id."
    )
    problems: list[InputIssue] = []
    out = {}
    for c in measures.columns:
        s = pd.to_numeric(measures[c], errors="coerce").astype(float)
        bad = s.index[~np.isfinite(s.to_numpy())].tolist()
        if bad:
            problems.append(
                InputIssue(
                    "units",
                    f"column {c!r}, units {few(bad)}",
                    f"{len(bad)} value(s) are missing or not numbers.",
                    "fill them (0 if the unit has none).",
                )
            )
        neg = s.index[s.to_numpy() < 0].tolist()
        if neg:
            problems.append(
                InputIssue(
                    "units",
                    f"column {c!r}, units {few(neg)}",
                    f"{len(neg)} value(s) are negative.",
                    "measures must be >= 0.",
                )
            )
        out[str(c)] = s.to_numpy(copy=True)
    if problems:
        raise ValidationError(problems)
    return pd.DataFrame(out, index=measures.index.copy())


def graph_measures(
    G: nx.Graph, nodes: list[Hashable], measures: pd.DataFrame | Sequence[str] | None
) -> pd.DataFrame:
    if isinstance(measures, pd.DataFrame):
        missing = [n for n in nodes if n not in measures.index]
        if missing:
            refuse(
                "units",
                f"nodes {few(missing)}",
                "have no row in the measures table.",
                "give one row per graph node.",
            )
        extra = [n for n in measures.index if n not in G]
        if extra:
            refuse(
                "units",
                f"units {few(extra)}",
                "are not nodes of the graph.",
                "drop them or add them to the graph.",
            )
        return measures_frame(measures.loc[nodes])
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
                refuse(
                    "units",
                    f"node {n!r}",
                    f"has no attribute {name!r}.",
                    "set it on every node.",
                )
            vals.append(G.nodes[n][name])
        rows[name] = vals
    return measures_frame(pd.DataFrame(rows, index=pd.Index(nodes)))


def rep_frame(
    reps: pd.DataFrame | int | None, default_ids: list[Hashable] | None
) -> tuple[bool, pd.DataFrame]:
    """Normalise reps to a frame (index rep id; home, fte[, name]); return (free, frame)."""
    if reps is None:
        if default_ids is None:
            refuse("reps", "reps", "are missing.", "pass a reps table or an int k.")
        return False, pd.DataFrame(
            {"home": [None] * len(default_ids), "fte": 1.0}, index=pd.Index(default_ids)
        )
    if isinstance(reps, int | np.integer) and not isinstance(reps, bool):
        k = int(reps)
        if k < 1:
            refuse("reps", f"k={k}", "needs at least one rep.", "pass k >= 1.")
        return True, pd.DataFrame(
            {"home": [None] * k, "fte": 1.0}, index=pd.RangeIndex(k, name="rep")
        )
    table = _unique_frame(
        reps, "reps", "reps", "rep", "pass a DataFrame indexed by rep id, or an int k."
    )
    if len(table) == 0:
        refuse("reps", "reps", "the table is empty.", "give at least one rep.")
    frame = pd.DataFrame(index=table.index.copy())
    if "home" in table.columns:
        frame["home"] = [
            None if (h is None or (isinstance(h, float) and math.isnan(h))) else h
            for h in table["home"]
        ]
    else:
        frame["home"] = [None] * len(table)
    frame["home"] = frame["home"].astype(object)
    if "fte" in table.columns:
        fte = pd.to_numeric(table["fte"], errors="coerce").astype(float)
        bad = fte.index[~(fte.to_numpy() > 0)].tolist()
        if bad:
            refuse(
                "reps",
                f"reps {few(bad)}",
                "FTE must be a positive number.",
                "set 'fte' > 0 (1.0 for a full-time rep).",
            )
        frame["fte"] = fte.to_numpy(copy=True)
    else:
        frame["fte"] = 1.0
    if "name" in table.columns:
        frame["name"] = table["name"].to_numpy(copy=True)
    for col in target_share_columns(table):  # per-rep balance targets (rep_targets.py)
        frame[col] = pd.to_numeric(table[col], errors="coerce").to_numpy(copy=True)
        target_weights(frame, [col.removesuffix(TARGET_SHARE_SUFFIX)])  # clear error if bad
    has_geom = isinstance(table, gpd.GeoDataFrame) and "home" not in table.columns
    free = bool(frame["home"].isna().all()) and not has_geom and default_ids is None
    if free:
        fte_vals = frame["fte"].to_numpy()
        if not np.allclose(fte_vals, fte_vals[0]):
            refuse(
                "reps",
                "fte",
                "free centres need reps of equal FTE.",
                "give homes, or equal FTE.",
            )
    return free, frame


def home_indices(rep_frame: pd.DataFrame, unit_ids: Sequence[Hashable]) -> np.ndarray:
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
                InputIssue(
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


def locate_points(units: gpd.GeoDataFrame, reps: gpd.GeoDataFrame) -> list[Hashable]:
    if reps.crs is None:
        refuse(
            "reps",
            "crs",
            "rep points have no CRS.",
            "set it, e.g. reps.set_crs('EPSG:4326').",
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
        refuse(
            "reps",
            f"rep(s) {few(bad)}",
            f"home point lies more than {far / 1000:.0f} km from every unit "
            f"(reps CRS {reps.crs.to_string()}, units CRS "
            f"{units.crs.to_string() if units.crs is not None else None}).",
            "check that the reps' coordinates are in the CRS they declare "
            "(lon/lat = EPSG:4326, Lambert-93 metres = EPSG:2154; x/y not swapped), "
            "or give each rep's home unit id.",
        )
    return [units.index[int(j)] for j in joined["index_right"].to_numpy()]
