"""Unit x rep cost matrices: geodesic km, hop distance on the unit graph, or a user matrix.

Every function is pure: inputs are never modified and the result is a new
:class:`pandas.DataFrame` (rows = unit ids, columns = rep ids or unit ids).

* :func:`unit_points` gives one point per unit (the centroid, computed in a metric CRS
  and returned in longitude/latitude), the position used for distances;
* :func:`geodesic_km` is the WGS84 geodesic distance (pyproj) between two point sets;
* :func:`hop_matrix` is the number of graph edges between units (csgraph core);
* :func:`check_cost_matrix` validates a user matrix (finite, non-negative, labelled).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj

from ..exceptions import InputIssue, ValidationError
from .core import hop_distances, matrix_from_graph
from .crs import require_crs, to_metric

__all__ = ["check_cost_matrix", "geodesic_km", "hop_matrix", "unit_points"]

_GEOD = pyproj.Geod(ellps="WGS84")


def unit_points(units: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """One representative point per unit, in longitude/latitude (EPSG:4326).

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Unit geometries with a CRS. Points are kept; polygons give their centroid,
        computed in a metric CRS (:func:`~territory_opt.graph.crs.metric_crs`). Not modified.

    Returns
    -------
    geopandas.GeoSeries
        Same index as ``units``, CRS EPSG:4326.
    """
    require_crs(units, "units")
    geo = units.geometry
    metric = to_metric(geo)
    cent = metric.centroid
    return gpd.GeoSeries(cent, index=units.index, crs=metric.crs).to_crs("EPSG:4326")


def geodesic_km(
    a: gpd.GeoSeries, b: gpd.GeoSeries, *, index: Sequence[Hashable] | None = None
) -> pd.DataFrame:
    """Geodesic distance (WGS84 ellipsoid, km) between every point of ``a`` and of ``b``.

    Parameters
    ----------
    a, b : geopandas.GeoSeries
        Points (any CRS; converted to EPSG:4326). Rows of the result follow ``a``,
        columns follow ``b``.
    index : sequence, optional
        Labels for the rows (default ``a.index``).

    Returns
    -------
    pandas.DataFrame
        Shape ``(len(a), len(b))``, km.
    """
    a4 = a.to_crs("EPSG:4326") if a.crs is not None else a
    b4 = b.to_crs("EPSG:4326") if b.crs is not None else b
    lon1 = np.asarray(a4.x, dtype=float)[:, None]
    lat1 = np.asarray(a4.y, dtype=float)[:, None]
    lon2 = np.asarray(b4.x, dtype=float)[None, :]
    lat2 = np.asarray(b4.y, dtype=float)[None, :]
    shape = (lon1.shape[0], lon2.shape[1])
    _, _, dist = _GEOD.inv(
        np.broadcast_to(lon1, shape).ravel(),
        np.broadcast_to(lat1, shape).ravel(),
        np.broadcast_to(lon2, shape).ravel(),
        np.broadcast_to(lat2, shape).ravel(),
    )
    km = np.asarray(dist, dtype=float).reshape(shape) / 1000.0
    rows = list(index) if index is not None else list(a.index)
    return pd.DataFrame(km, index=rows, columns=list(b.index))


def hop_matrix(G: nx.Graph, units: Sequence[Hashable], targets: Sequence[Hashable]) -> pd.DataFrame:
    """Number of edges on a shortest path from each unit to each target unit.

    Parameters
    ----------
    G : networkx.Graph
        Unit graph (not modified).
    units : sequence
        Row labels (nodes of ``G``).
    targets : sequence
        Column labels (nodes of ``G``), e.g. rep home units.

    Returns
    -------
    pandas.DataFrame
        Hop counts as floats; ``inf`` where a unit cannot reach the target.
    """
    nodes = list(G.nodes)
    pos = {u: i for i, u in enumerate(nodes)}
    missing = [t for t in targets if t not in pos]
    if missing:
        raise nx.NodeNotFound(f"Source {missing[0]} is not in G")
    d = hop_distances(matrix_from_graph(G, nodes), [pos[t] for t in targets])
    out = np.full((len(units), len(targets)), np.inf)
    rows = np.array([i for i, u in enumerate(units) if u in pos], dtype=np.int64)
    cols = np.array([pos[u] for u in units if u in pos], dtype=np.int64)
    out[rows] = d[:, cols].T
    return pd.DataFrame(out, index=list(units), columns=list(targets))


def check_cost_matrix(
    cost: pd.DataFrame, units: Sequence[Hashable], columns: Sequence[Hashable], *, what: str
) -> np.ndarray:
    """Validate a user cost matrix and return it as a float array aligned on the labels.

    Parameters
    ----------
    cost : pandas.DataFrame
        Rows are unit ids, columns rep ids (or unit ids for free centres).
    units, columns : sequence
        The labels the matrix must cover, in the order wanted.
    what : str
        Name used in error messages (``"cost"``).

    Returns
    -------
    numpy.ndarray
        A new ``(len(units), len(columns))`` float array.

    Raises
    ------
    ValidationError
        Listing every missing label, non-finite or negative entry.
    """
    problems: list[InputIssue] = []
    cost = _relabel(cost, units, columns)
    miss_rows = [u for u in units if u not in cost.index]
    miss_cols = [c for c in columns if c not in cost.columns]
    if miss_rows:
        problems.append(
            InputIssue(
                "settings",
                f"{what} rows {_few(miss_rows)}",
                f"{len(miss_rows)} unit(s) have no row in the {what} matrix.",
                "give one row per unit (index = unit id).",
            )
        )
    if miss_cols:
        problems.append(
            InputIssue(
                "settings",
                f"{what} columns {_few(miss_cols)}",
                f"{len(miss_cols)} rep(s)/centre(s) have no column in the {what} matrix.",
                "give one column per rep id (or per candidate unit for free centres).",
            )
        )
    if problems:
        raise ValidationError(problems)
    arr = cost.loc[list(units), list(columns)].to_numpy(dtype=float, copy=True)
    finite = np.isfinite(arr)
    for mask, show_value, problem, fix in (
        (
            ~finite,
            False,
            "entries are missing or infinite.",
            "fill every (unit, rep) pair with a finite number (ask the routing engine's "
            "table service for every pair; a large value discourages one).",
        ),
        (
            finite & (arr < 0),
            True,
            "entries are negative.",
            "costs must be >= 0 (distances, times).",
        ),
    ):
        if mask.any():
            problems.append(
                _entries_issue(what, units, columns, arr, mask, show_value, problem, fix)
            )
    if problems:
        raise ValidationError(problems)
    return arr


def _entries_issue(
    what: str,
    units: Sequence[Hashable],
    columns: Sequence[Hashable],
    arr: np.ndarray,
    mask: np.ndarray,
    show_value: bool,
    problem: str,
    fix: str,
) -> InputIssue:
    """The issue of the matrix entries in ``mask``, naming the first five (with their value
    when ``show_value``); ``problem`` follows their count and ``what``."""
    pairs = [
        f"({units[i]!r}, {columns[j]!r})" + (f" = {arr[i, j]:g}" if show_value else "")
        for i, j in np.argwhere(mask)[:5]
    ]
    return InputIssue(
        "settings",
        f"{what} (unit, rep) {', '.join(pairs)}{', ...' if mask.sum() > 5 else ''}",
        f"{int(mask.sum())} {what} {problem}",
        fix,
    )


def _relabel(
    cost: pd.DataFrame, units: Sequence[Hashable], columns: Sequence[Hashable]
) -> pd.DataFrame:
    """Match labels read as text (``"14118"``) to ids of another type, and back."""
    out = cost
    for axis, wanted in ((0, units), (1, columns)):
        have = out.index if axis == 0 else out.columns
        if all(w in have for w in wanted):
            continue
        by_text = {str(h).strip(): h for h in have}
        if len(by_text) == len(have) and all(str(w) in by_text for w in wanted):
            mapping = {by_text[str(w)]: w for w in wanted}
            out = out.rename(index=mapping) if axis == 0 else out.rename(columns=mapping)
    return out


def _few(items: Sequence[Hashable], k: int = 5) -> str:
    s = ", ".join(map(str, list(items)[:k]))
    return s + (", ..." if len(items) > k else "")
