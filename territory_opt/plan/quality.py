"""What a sales manager reads about a plan: continuity, travel, shape and balance.

One evaluation, :func:`plan_quality`, used by the CLI summary, the XLSX report, the map
legend, the trade-off studies and the benchmarks:

* **continuity**: units, accounts and every measure (workload, potential...) changing rep
  against the plan's baseline, count and %;
* **travel**: mean and 95th percentile of the home → unit cost (km by default, or the
  minutes/km of a user's matrix) per account and per visit;
* **shape**: per territory Polsby–Popper ``4πA/P²`` (1 for a disc, ``π/4`` for a square)
  and area / convex-hull area, in a metric CRS (Lambert-93 for geographic data);
* **balance**: the lowest and highest % of target per balanced measure (targets are
  FTE-weighted, or per rep: see :func:`territory_opt.plan.targets.tier_target_shares`).

:func:`quality_table` puts several plans (the current one, the proposal...) side by side
with readable row labels.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .alignment import Alignment

__all__ = [
    "QUALITY_LABELS",
    "plan_quality",
    "quality_table",
    "territory_shapes",
    "travel_summary",
    "weighted_quantile",
]

_METRIC_CRS = "EPSG:2154"

#: key of :func:`plan_quality` -> row label of :func:`quality_table` (``{u}`` = travel unit)
QUALITY_LABELS: dict[str, str] = {
    "units_changed": "units changing rep",
    "accounts_changed": "accounts changing rep",
    "accounts_changed_pct": "accounts changing rep (%)",
    "workload_changed": "workload changing rep",
    "workload_changed_pct": "workload changing rep (%)",
    "potential_changed": "potential changing rep",
    "potential_changed_pct": "potential changing rep (%)",
    "travel_mean_account": "mean {u} home → account",
    "travel_p95_account": "95th pct {u} home → account",
    "travel_mean_visit": "mean {u} home → visit",
    "travel_p95_visit": "95th pct {u} home → visit",
    "pp_mean": "Polsby–Popper, mean",
    "pp_min": "Polsby–Popper, worst",
    "hull_mean": "area / hull area, mean",
    "hull_min": "area / hull area, worst",
}


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of values repeated by their weights (inverted CDF).

    The smallest value whose cumulative weight reaches ``q`` of the total: for integer
    weights it equals ``numpy.percentile(numpy.repeat(values, weights), 100 * q,
    method="inverted_cdf")``. NaN when every weight is 0.
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    x, w = x[keep], w[keep]
    if not len(x):
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.cumsum(w)
    i = int(np.searchsorted(cw, q * cw[-1] * (1 - 1e-12), side="left"))
    return float(x[min(i, len(x) - 1)])


def territory_shapes(alignment: Alignment) -> pd.DataFrame:
    """Per territory: area, perimeter, Polsby–Popper and area / convex-hull area.

    Territories are the union of their units' polygons (a shared unit counts for its main
    rep), measured in the units' CRS when it is projected, else in Lambert-93.

    Returns
    -------
    pandas.DataFrame
        Index rep id; ``area_km2``, ``perimeter_km``, ``polsby_popper`` (``4πA/P²``) and
        ``hull_ratio`` (area / convex-hull area). Empty without geometry.
    """
    cols = ["area_km2", "perimeter_km", "polsby_popper", "hull_ratio"]
    if alignment.units is None:
        return pd.DataFrame(columns=cols, dtype=float)
    geo = alignment.units.geometry
    metric = geo if (geo.crs is not None and geo.crs.is_projected) else geo.to_crs(_METRIC_CRS)
    rep = alignment.assignment.reindex(metric.index)
    rows = {}
    for r, part in metric.groupby(rep.to_numpy(), sort=False):
        shape = part.union_all()
        area, perim = float(shape.area), float(shape.length)
        hull = float(shape.convex_hull.area)
        rows[r] = (
            area / 1e6,
            perim / 1e3,
            4 * math.pi * area / perim**2 if perim > 0 else float("nan"),
            area / hull if hull > 0 else float("nan"),
        )
    out = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    out = out.reindex([r for r in alignment.reps.index if r in out.index])
    out.index.name = "rep"
    return out


def _unit_rep_pairs(
    alignment: Alignment, travel: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Hashable]]:
    """(unit position, fraction, cost) of every unit→rep allocation with a positive share."""
    W = alignment._allocation()
    units = list(W.index)
    T = travel.reindex(index=units, columns=list(W.columns)).to_numpy(dtype=float)
    i, j = np.nonzero(W.to_numpy() > 0)
    return i, W.to_numpy()[i, j], T[i, j], units


def travel_summary(
    alignment: Alignment,
    travel: pd.DataFrame | None = None,
    *,
    visits: pd.Series | None = None,
) -> dict[str, float]:
    """Mean and 95th percentile of the home → unit cost, per account and per visit.

    Parameters
    ----------
    alignment : Alignment
        The plan.
    travel : pandas.DataFrame, optional
        Unit x rep cost (km, minutes...); default ``alignment.distance`` (km).
    visits : pandas.Series, optional
        Visits per unit (default: the ``visits`` measure, if any). Without visits the
        per-visit figures are NaN.

    Returns
    -------
    dict
        ``travel_mean_account``, ``travel_p95_account`` (each account counts once, at its
        unit's cost to its rep), ``travel_mean_visit``, ``travel_p95_visit``. NaN without
        a cost matrix or an ``accounts`` measure (then every unit counts once).
    """
    nan = float("nan")
    out = dict.fromkeys(
        ("travel_mean_account", "travel_p95_account", "travel_mean_visit", "travel_p95_visit"), nan
    )
    cost = alignment.distance if travel is None else travel
    if cost is None:
        return out
    pos, frac, d, units = _unit_rep_pairs(alignment, cost)
    ok = np.isfinite(d)
    meas = alignment.measures
    acc = (
        meas["accounts"].reindex(units).to_numpy(dtype=float)
        if "accounts" in meas.columns
        else np.ones(len(units))
    )
    if visits is None and "visits" in meas.columns:
        visits = meas["visits"]
    for key, per_unit in (("account", acc), ("visit", visits)):
        if per_unit is None:
            continue
        v = (
            per_unit
            if isinstance(per_unit, np.ndarray)
            else pd.Series(per_unit).reindex(units).fillna(0.0).to_numpy(dtype=float)
        )
        w = v[pos] * frac
        w, dd = w[ok], d[ok]
        if w.sum() > 0:
            out[f"travel_mean_{key}"] = float(np.sum(w * dd) / np.sum(w))
            out[f"travel_p95_{key}"] = weighted_quantile(dd, w, 0.95)
    return out


def _continuity(alignment: Alignment) -> dict[str, float]:
    out: dict[str, float] = {}
    base = alignment.baseline
    meas = [
        c
        for c in alignment.measures.columns
        if pd.api.types.is_numeric_dtype(alignment.measures[c])
    ]
    if base is None:
        out["units_changed"] = float("nan")
        for m in ("accounts", *meas):
            out[f"{m}_changed"] = float("nan")
            out[f"{m}_changed_pct"] = float("nan")
        return out
    ch = alignment.changes()
    out["units_changed"] = float(len(ch))
    for m in meas:
        moved = float(ch[m].sum()) if len(ch) else 0.0
        total = float(alignment.measures[m].sum())
        out[f"{m}_changed"] = moved
        out[f"{m}_changed_pct"] = 100.0 * moved / total if total > 0 else float("nan")
    return out


def plan_quality(
    alignment: Alignment,
    *,
    travel: pd.DataFrame | None = None,
    visits: pd.Series | None = None,
    shapes: bool = True,
) -> dict[str, float]:
    """Every figure a manager reads about a plan, as one flat dict.

    Parameters
    ----------
    alignment : Alignment
        The plan (its ``baseline`` gives the changes).
    travel : pandas.DataFrame, optional
        Unit x rep cost, e.g. minutes from :func:`territory_opt.data.io.read_travel_matrix`
        (default: the plan's km).
    visits : pandas.Series, optional
        Visits per unit for the per-visit travel (default: the ``visits`` measure).
    shapes : bool
        Compute the territory shapes (the slowest part: a union of polygons per rep).

    Returns
    -------
    dict
        ``units_changed``; ``<m>_changed`` and ``<m>_changed_pct`` per numeric measure
        ``m``; the keys of :func:`travel_summary`; ``pp_mean``, ``pp_min``, ``hull_mean``,
        ``hull_min`` (NaN without geometry); per balanced measure ``<m>_pct_min``,
        ``<m>_pct_max`` (% of target of the lowest and highest territory) and
        ``<m>_max_dev_pct``.
    """
    out = _continuity(alignment)
    out.update(travel_summary(alignment, travel, visits=visits))
    if shapes:
        sh = territory_shapes(alignment)
        for key, col in (("pp", "polsby_popper"), ("hull", "hull_ratio")):
            vals = sh[col].to_numpy(dtype=float) if len(sh) else np.array([np.nan])
            out[f"{key}_mean"] = float(np.nanmean(vals)) if np.isfinite(vals).any() else np.nan
            out[f"{key}_min"] = float(np.nanmin(vals)) if np.isfinite(vals).any() else np.nan
    table = alignment.territory_table()
    for m in alignment.balance_measures:
        pct = table[f"{m}_pct_target"].to_numpy(dtype=float)
        pct = pct[np.isfinite(pct)]
        out[f"{m}_pct_min"] = float(pct.min()) if len(pct) else float("nan")
        out[f"{m}_pct_max"] = float(pct.max()) if len(pct) else float("nan")
        out[f"{m}_max_dev_pct"] = float(np.abs(pct - 100).max()) if len(pct) else float("nan")
    return out


def quality_table(
    plans: Mapping[str, Alignment],
    *,
    travel: pd.DataFrame | None = None,
    travel_unit: str = "km",
    visits: pd.Series | None = None,
    shapes: bool = True,
) -> pd.DataFrame:
    """Plans side by side: one row per figure of :func:`plan_quality`, one column per plan.

    Parameters
    ----------
    plans : mapping
        Column name -> plan, e.g. ``{"current": before, "proposed": after}``.
    travel, visits, shapes
        See :func:`plan_quality`.
    travel_unit : str
        Unit of the travel cost in the row labels (``"km"``, ``"min"``).

    Returns
    -------
    pandas.DataFrame
        Index: readable labels (``"accounts changing rep (%)"``, ``"mean km home →
        account"``, ``"workload % of target, lowest"``...); rows that are NaN for every
        plan are dropped. ``attrs["keys"]`` maps each label to its :func:`plan_quality` key.
    """
    figures = {
        name: plan_quality(al, travel=travel, visits=visits, shapes=shapes)
        for name, al in plans.items()
    }
    keys: list[str] = []
    for f in figures.values():
        keys += [k for k in f if k not in keys]
    labels = {}
    for k in keys:
        if k in QUALITY_LABELS:
            labels[k] = QUALITY_LABELS[k].format(u=travel_unit)
        elif k.endswith("_pct_min"):
            labels[k] = f"{k[: -len('_pct_min')]} % of target, lowest"
        elif k.endswith("_pct_max"):
            labels[k] = f"{k[: -len('_pct_max')]} % of target, highest"
        elif k.endswith("_max_dev_pct"):
            labels[k] = f"{k[: -len('_max_dev_pct')]} worst deviation from target (%)"
        elif k.endswith("_changed_pct"):
            labels[k] = f"{k[: -len('_changed_pct')]} changing rep (%)"
        elif k.endswith("_changed"):
            labels[k] = f"{k[: -len('_changed')]} changing rep"
        else:
            labels[k] = k
    frame = pd.DataFrame(
        {name: [f.get(k, np.nan) for k in keys] for name, f in figures.items()},
        index=pd.Index([labels[k] for k in keys], name="figure"),
    )
    keep = ~frame.isna().all(axis=1)
    frame = frame.loc[keep]
    frame.attrs["keys"] = {labels[k]: k for k, kept in zip(keys, keep, strict=True) if kept}
    return frame
