"""Check units, reps, baseline and locks together and report every problem at once.

:func:`validate_inputs` never stops at the first problem: it collects all of them and
raises one :class:`~territory_opt.exceptions.ValidationError` whose ``problems`` each
name the offending unit/rep/column and say how to fix it. Inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..exceptions import InputIssue, ValidationError

__all__ = ["validate_inputs"]

_MAX_LISTED = 5


def _listed(items: Sequence[Any]) -> str:
    shown = ", ".join(map(str, items[:_MAX_LISTED]))
    more = len(items) - _MAX_LISTED
    return shown + (f" (and {more} more)" if more > 0 else "")


def _ids(df: pd.DataFrame, col: str | None) -> pd.Series:
    return df[col] if col is not None else df.index.to_series(index=df.index)


def _check_ids(kind: str, label: str, ids: pd.Series, problems: list[InputIssue]) -> None:
    missing = ids.isna()
    if missing.any():
        rows = [str(i) for i in np.flatnonzero(missing.to_numpy())]
        problems.append(
            InputIssue(
                kind,
                f"{label} at row(s) {_listed(rows)}",
                f"{int(missing.sum())} {kind} have no id.",
                f"give every row of {kind} a unique id in {label}.",
            )
        )
    dup = ids[ids.duplicated(keep=False) & ~missing]
    if not dup.empty:
        problems.append(
            InputIssue(
                kind,
                f"{label} {_listed(sorted(dup.astype(str).unique()))}",
                f"{dup.nunique()} id(s) appear more than once in {kind}.",
                "make ids unique (merge or rename the duplicated rows).",
            )
        )
    types = {type(v).__name__ for v in ids[~missing]}
    if len(types) > 1:
        problems.append(
            InputIssue(
                kind,
                label,
                f"ids mix types {sorted(types)} (e.g. 14118 and '14118' would not match).",
                "convert all ids to one type, e.g. str: df[col] = df[col].astype(str).",
            )
        )


def _check_measures(
    units: pd.DataFrame, measures: Iterable[str], problems: list[InputIssue]
) -> None:
    ids = units.index
    for col in measures:
        if col not in units.columns:
            problems.append(
                InputIssue(
                    "units",
                    f"column {col!r}",
                    "measure column is missing.",
                    f"add it or choose among the columns {_listed(list(map(str, units.columns)))}.",
                )
            )
            continue
        values = pd.to_numeric(units[col], errors="coerce")
        non_numeric = values.isna() & units[col].notna()
        if non_numeric.any():
            problems.append(
                InputIssue(
                    "units",
                    f"column {col!r}, unit(s) {_listed(list(ids[non_numeric.to_numpy()]))}",
                    "values are not numbers.",
                    "fix or remove the text values (use . as decimal point).",
                )
            )
        arr = values.to_numpy(dtype=float)
        bad_nan = np.isnan(arr) & ~non_numeric.to_numpy()
        if bad_nan.any():
            problems.append(
                InputIssue(
                    "units",
                    f"column {col!r}, unit(s) {_listed(list(ids[bad_nan]))}",
                    f"{int(bad_nan.sum())} missing (NaN) value(s).",
                    "fill them (0 if the unit truly has none).",
                )
            )
        bad_inf = np.isinf(arr)
        if bad_inf.any():
            problems.append(
                InputIssue(
                    "units",
                    f"column {col!r}, unit(s) {_listed(list(ids[bad_inf]))}",
                    "infinite value(s).",
                    "replace them with finite numbers.",
                )
            )
        neg = arr < 0
        if neg.any():
            problems.append(
                InputIssue(
                    "units",
                    f"column {col!r}, unit(s) {_listed(list(ids[neg]))}",
                    f"{int(neg.sum())} negative value(s) (min {np.nanmin(arr):g}).",
                    "measures must be >= 0; correct the data or clip at 0.",
                )
            )
        finite = arr[np.isfinite(arr)]
        if len(finite) and not (finite > 0).any():
            problems.append(
                InputIssue(
                    "units",
                    f"column {col!r}",
                    "every value is zero, so it cannot be balanced.",
                    "choose another measure or fill this one.",
                )
            )


def _check_geometry(units: gpd.GeoDataFrame, problems: list[InputIssue]) -> None:
    geoms = units.geometry.to_numpy()
    ids = units.index
    missing = shapely.is_missing(geoms)
    empty = shapely.is_empty(geoms) & ~missing
    for mask, what in ((missing, "no geometry"), (empty, "an empty geometry")):
        if mask.any():
            problems.append(
                InputIssue(
                    "units",
                    f"unit(s) {_listed(list(ids[mask]))}",
                    f"{int(mask.sum())} unit(s) have {what}.",
                    "give each unit its polygon, or drop the unit.",
                )
            )
    present = ~missing & ~empty
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        problems.append(
            InputIssue(
                "units",
                f"unit(s) {_listed(list(ids[invalid]))}",
                f"invalid geometry ({reasons[0]}).",
                "repair with geopandas: units.geometry = units.geometry.make_valid().",
            )
        )
    if units.crs is None:
        problems.append(
            InputIssue(
                "units",
                "crs",
                "the units have no coordinate reference system.",
                "set it: units.set_crs('EPSG:4326') for longitude/latitude, "
                "'EPSG:2154' for Lambert-93.",
            )
        )
        return
    if not present.any():
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[present])
    looks_degrees = xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90
    if units.crs.is_projected and looks_degrees:
        problems.append(
            InputIssue(
                "units",
                "crs",
                f"coordinates look like degrees (bounds {xmin:.2f}, {ymin:.2f}, {xmax:.2f}, "
                f"{ymax:.2f}) but the CRS {units.crs.to_string()} is in metres.",
                "declare the real CRS: units.set_crs('EPSG:4326', allow_override=True).",
            )
        )
    if units.crs.is_geographic and not looks_degrees:
        problems.append(
            InputIssue(
                "units",
                "crs",
                f"coordinates look like metres (bounds {xmin:.0f}, {ymin:.0f}, ...) but the CRS "
                f"{units.crs.to_string()} is in degrees.",
                "declare the real projected CRS, e.g. units.set_crs('EPSG:2154', "
                "allow_override=True).",
            )
        )


def _check_reps(
    reps: pd.DataFrame,
    unit_ids: pd.Index,
    units: gpd.GeoDataFrame | None,
    home_col: str | None,
    fte_col: str | None,
    allow_shared_homes: bool,
    problems: list[InputIssue],
) -> None:
    """Reps: unique ids, their number, FTE and homes (columns ``None`` are not checked)."""
    _check_ids("reps", "index", reps.index.to_series(index=reps.index), problems)
    _check_rep_count(reps, unit_ids, problems)
    if fte_col is not None:
        _check_fte(reps, fte_col, problems)
    if home_col is not None:
        _check_homes(reps, unit_ids, units, home_col, allow_shared_homes, problems)


def _check_rep_count(reps: pd.DataFrame, unit_ids: pd.Index, problems: list[InputIssue]) -> None:
    """At least one rep, and no more reps than units."""
    if len(reps) == 0:
        problems.append(InputIssue("reps", "-", "there are no reps.", "give at least one rep."))
    if len(reps) > len(unit_ids):
        problems.append(
            InputIssue(
                "reps",
                f"{len(reps)} reps",
                f"more reps than units ({len(unit_ids)}): some territories would be empty.",
                "remove reps or use smaller units.",
            )
        )


def _check_fte(reps: pd.DataFrame, fte_col: str, problems: list[InputIssue]) -> None:
    """The FTE column exists and holds positive numbers."""
    if fte_col not in reps.columns:
        problems.append(
            InputIssue(
                "reps",
                f"column {fte_col!r}",
                "FTE column is missing.",
                "add it (1.0 for a full-time rep) or pass fte_col=None for equal shares.",
            )
        )
        return
    fte = pd.to_numeric(reps[fte_col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(fte) | (fte <= 0)
    if bad.any():
        problems.append(
            InputIssue(
                "reps",
                f"rep(s) {_listed(list(reps.index[bad]))}, column {fte_col!r}",
                "FTE must be a positive number.",
                "use e.g. 1.0 for full time, 0.5 for half time.",
            )
        )


def _check_homes(
    reps: pd.DataFrame,
    unit_ids: pd.Index,
    units: gpd.GeoDataFrame | None,
    home_col: str,
    allow_shared_homes: bool,
    problems: list[InputIssue],
) -> None:
    """Every rep has a home: a known unit id (not shared unless allowed) or a point in a unit."""
    if home_col not in reps.columns:
        problems.append(
            InputIssue(
                "reps",
                f"column {home_col!r}",
                "home column is missing.",
                "give each rep's home unit id (or a Point geometry), or use free centres.",
            )
        )
        return
    homes = reps[home_col]
    missing = homes.isna()
    if missing.any():
        problems.append(
            InputIssue(
                "reps",
                f"rep(s) {_listed(list(reps.index[missing.to_numpy()]))}",
                "no home given.",
                "give the home unit id, or use free centres to choose homes.",
            )
        )
    points = homes[~missing].map(lambda h: isinstance(h, shapely.Point))
    as_points = homes[~missing][points.to_numpy(dtype=bool)]
    as_ids = homes[~missing][~points.to_numpy(dtype=bool)]
    unknown = as_ids[~as_ids.isin(unit_ids)]
    if not unknown.empty:
        problems.append(
            InputIssue(
                "reps",
                ", ".join(f"rep {r} (home {h!r})" for r, h in list(unknown.items())[:_MAX_LISTED]),
                "home is not one of the unit ids.",
                "use the id of the unit where the rep lives (check type: '14118' vs 14118).",
            )
        )
    if not as_points.empty and units is not None and units.crs is not None:
        _check_home_points(as_points, units, problems)
    if not allow_shared_homes:
        shared = as_ids[as_ids.duplicated(keep=False)]
        if not shared.empty:
            problems.append(
                InputIssue(
                    "reps",
                    f"rep(s) {_listed(list(shared.index))} (home {shared.iloc[0]!r})",
                    "several reps share one home unit.",
                    "pass allow_shared_homes=True, or give each rep its own home unit.",
                )
            )


def _check_home_points(
    as_points: pd.Series, units: gpd.GeoDataFrame, problems: list[InputIssue]
) -> None:
    """Every home given as a point lies within a unit."""
    pts = gpd.GeoSeries(list(as_points), index=as_points.index, crs=units.crs)
    hits = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), units[["geometry"]], predicate="within")
    outside = [r for r in as_points.index if r not in hits.index]
    if outside:
        problems.append(
            InputIssue(
                "reps",
                f"rep(s) {_listed(outside)}",
                "home point lies outside every unit.",
                "check the coordinates (lon/lat order, CRS) or give a home unit id.",
            )
        )


def _check_mapping(
    kind: str,
    mapping: Mapping[Hashable, Hashable] | pd.Series,
    unit_ids: pd.Index,
    rep_ids: pd.Index,
    problems: list[InputIssue],
) -> pd.Series:
    series = mapping if isinstance(mapping, pd.Series) else pd.Series(dict(mapping), dtype=object)
    unknown_units = [u for u in series.index if u not in unit_ids]
    if unknown_units:
        problems.append(
            InputIssue(
                kind,
                f"unit(s) {_listed(unknown_units)}",
                "not among the units.",
                f"remove them from the {kind} or add the units.",
            )
        )
    known = series.dropna()
    unknown_reps = sorted({str(r) for r in known if r not in rep_ids})
    if unknown_reps:
        problems.append(
            InputIssue(
                kind,
                f"rep(s) {_listed(unknown_reps)}",
                "not among the reps.",
                f"fix the rep ids in the {kind} or add the reps.",
            )
        )
    return series


def validate_inputs(
    units: pd.DataFrame,
    reps: pd.DataFrame | None = None,
    *,
    measures: Iterable[str] = (),
    baseline: Mapping[Hashable, Hashable] | pd.Series | None = None,
    locks: Mapping[Hashable, Hashable] | pd.Series | None = None,
    home_col: str | None = "home",
    fte_col: str | None = "fte",
    allow_shared_homes: bool = False,
    check_geometry: bool = True,
) -> None:
    """Validate the inputs of a territory problem; raise one error listing every problem.

    Parameters
    ----------
    units : DataFrame or GeoDataFrame
        Indexed by unit id. Geometry is checked when it is a GeoDataFrame.
    reps : DataFrame, optional
        Indexed by rep id, with ``home_col`` (unit id or Point) and ``fte_col``.
    measures : iterable of str
        Unit columns that must be numeric, finite and non-negative.
    baseline, locks : mapping or Series, optional
        Unit id -> rep id (current plan; units that must stay with a rep).
    home_col, fte_col : str or None
        Rep columns; ``None`` skips the check (free centres / equal shares).
    allow_shared_homes : bool
        Whether several reps may live in one unit.
    check_geometry : bool
        Check polygons and CRS (GeoDataFrames only).

    Raises
    ------
    ValidationError
        With ``problems``: one entry per problem, each naming the item and the fix.
    """
    problems: list[InputIssue] = []
    _check_ids("units", "index", units.index.to_series(index=units.index), problems)
    unit_ids = units.index
    if len(units) == 0:
        problems.append(InputIssue("units", "-", "there are no units.", "load at least one unit."))
    _check_measures(units, list(measures), problems)
    geo = units if isinstance(units, gpd.GeoDataFrame) else None
    if geo is not None and check_geometry:
        _check_geometry(geo, problems)
    if reps is not None:
        _check_reps(reps, unit_ids, geo, home_col, fte_col, allow_shared_homes, problems)
        rep_ids = reps.index
        if baseline is not None:
            _check_mapping("baseline", baseline, unit_ids, rep_ids, problems)
        if locks is not None:
            lk = _check_mapping("locks", locks, unit_ids, rep_ids, problems)
            if home_col is not None and home_col in reps.columns:
                home_of = {
                    h: r for r, h in reps[home_col].items() if not isinstance(h, shapely.Point)
                }
                clash = [
                    f"unit {u} locked to {r} but home of {home_of[u]}"
                    for u, r in lk.items()
                    if u in home_of and home_of[u] != r
                ]
                if clash:
                    problems.append(
                        InputIssue(
                            "locks",
                            _listed(clash),
                            "a rep's home unit is locked to another rep.",
                            "remove the lock or move the rep's home.",
                        )
                    )
    if problems:
        raise ValidationError(problems)
