"""Coarser units: aggregate communes to EPCI, cantons, départements or any grouping.

National plans over 34,742 communes are often first drawn with coarser units (an
intercommunality, EPCI, groups 30 communes on average), then refined at commune level
along their borders. :func:`aggregate_units` sums the measures and merges the
geometries (coverage union: shared borders are dissolved exactly); the returned
``members`` Series maps each fine unit to its coarse unit so a coarse plan can be
expanded back with :func:`expand_assignment`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from ..exceptions import InputIssue, ValidationError

__all__ = ["CoarseUnits", "aggregate_units", "expand_assignment"]


@dataclass(frozen=True)
class CoarseUnits:
    """Result of :func:`aggregate_units`.

    Attributes
    ----------
    units : geopandas.GeoDataFrame
        One row per group (index = group id): summed measures, ``n_units`` and the
        merged geometry.
    members : pandas.Series
        Fine unit id -> group id.
    """

    units: gpd.GeoDataFrame
    members: pd.Series


def aggregate_units(units: gpd.GeoDataFrame, by: str, measures: Iterable[str] = ()) -> CoarseUnits:
    """Aggregate units by the values of column ``by``.

    Units whose ``by`` value is missing (e.g. a commune in no EPCI) stay on their own,
    as a group named after the unit id. ``units`` is not modified.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Fine units indexed by id.
    by : str
        Grouping column (``"epci"``, ``"departement"``, ...).
    measures : iterable of str
        Numeric columns to sum.

    Returns
    -------
    CoarseUnits
    """
    measures = list(measures)
    missing = [c for c in [by, *measures] if c not in units.columns]
    if missing:
        raise ValidationError(
            [
                InputIssue(
                    "units",
                    f"column(s) {', '.join(map(repr, missing))}",
                    "not found.",
                    "choose among " + ", ".join(map(str, units.columns[:12])) + ".",
                )
            ]
        )
    key = units[by].astype(object).where(units[by].notna(), units.index.to_series().astype(str))
    key = key.astype(str).rename("group")
    frame = units[[*measures, "geometry"]].assign(group=key.to_numpy(), n_units=1)
    agg = dict.fromkeys([*measures, "n_units"], "sum")
    try:  # exact and fast when the units form a clean coverage
        coarse = frame.dissolve(by="group", aggfunc=agg, method="coverage")
    except shapely.errors.GEOSException:  # slight overlaps in the source: general union
        coarse = frame.dissolve(by="group", aggfunc=agg, method="unary")
    return CoarseUnits(units=coarse, members=key)


def expand_assignment(coarse_assignment: pd.Series, members: pd.Series) -> pd.Series:
    """Map a plan on coarse units back to the fine units (fine id -> rep)."""
    unknown = sorted(set(members) - set(coarse_assignment.index))
    if unknown:
        raise ValidationError(
            f"coarse plan has no rep for group(s) {unknown[:5]}; assign every coarse unit."
        )
    return members.map(coarse_assignment).rename(coarse_assignment.name)
