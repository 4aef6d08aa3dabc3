"""Where reps pay off: minimum ROI per account and geographic concentration of accounts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._input_checks import (
    _EPS,
    _check_numbers,
    _numeric_problems,
    _require_columns,
)

__all__ = [
    "geographic_concentration",
    "minimum_roi_accounts",
]


def minimum_roi_accounts(
    accounts: pd.DataFrame,
    *,
    cost_per_fte: float,
    capacity_hours: float,
    min_roi: float,
    contribution_col: str = "contribution",
    visits_col: str = "visits_per_year",
    hours_col: str = "hours_per_visit",
    roi: Literal["net", "gross"] = "net",
) -> pd.DataFrame:
    """Flag accounts whose margin does not pay for the rep time they take (slide 34).

    Each account's yearly contact hours (visits x hours per visit) are turned into a
    full-time-equivalent (FTE, *VEPT* in the course) share of a rep, costed at the
    full cost of one FTE, and compared with the margin the account brings.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account. Not modified.
    cost_per_fte : float
        Yearly full cost of one full-time rep (> 0).
    capacity_hours : float
        Contact hours one FTE offers per year (> 0), see
        :func:`~territory_opt.salesforce.workload.rep_capacity_hours`.
    min_roi : float
        ROI threshold as a fraction (2.0 = 200 %, the course's NGO example), >= 0.
    contribution_col : str, default "contribution"
        Column with the yearly margin (or donations) the account brings (>= 0).
    visits_col, hours_col : str
        Columns with visits per year and hours per visit (>= 0).
    roi : {"net", "gross"}, default "net"
        ``"net"``: ROI = (contribution - cost) / cost; ``"gross"``: contribution / cost.
        The slide does not say which it uses.

    Returns
    -------
    pandas.DataFrame
        Same index, columns ``hours``, ``fte``, ``cost``, ``contribution``, ``roi``
        (inf for an account that takes no time), ``max_fte`` (the most rep time the
        account justifies at the threshold) and ``below_threshold`` (bool).

    Raises
    ------
    ValidationError
        On a missing column, a negative or non-numeric value, or out-of-range settings.
    """
    _check_numbers(
        [
            ("cost_per_fte", cost_per_fte, ">0", "give the yearly full cost of one FTE."),
            (
                "capacity_hours",
                capacity_hours,
                ">0",
                "give the contact hours of one FTE, e.g. rep_capacity_hours().",
            ),
            ("min_roi", min_roi, ">=0", "give the threshold as a fraction, 2.0 for 200 %."),
        ]
    )
    if roi not in ("net", "gross"):
        raise ValidationError(
            [InputIssue("settings", "roi", f"is {roi!r}.", "use 'net' or 'gross'.")]
        )
    where = "accounts"
    cols = [contribution_col, visits_col, hours_col]
    _require_columns(accounts, cols, where)
    problems = _numeric_problems(accounts, cols, where)
    if problems:
        raise ValidationError(problems)
    hours = accounts[visits_col].astype(float) * accounts[hours_col].astype(float)
    fte = hours / float(capacity_hours)
    cost = fte * float(cost_per_fte)
    contribution = accounts[contribution_col].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gross = contribution / cost
    gross = gross.where(cost > 0, np.inf)
    value = gross - 1.0 if roi == "net" else gross
    # contribution / (fte * cost_per_fte) >= threshold  <=>  fte <= contribution / (...)
    gross_threshold = float(min_roi) + 1.0 if roi == "net" else float(min_roi)
    max_fte = (
        contribution / (gross_threshold * float(cost_per_fte))
        if gross_threshold > 0
        else pd.Series(np.inf, index=accounts.index)
    )
    return pd.DataFrame(
        {
            "hours": hours,
            "fte": fte,
            "cost": cost,
            "contribution": contribution,
            "roi": value,
            "max_fte": max_fte,
            "below_threshold": value < float(min_roi) - _EPS,
        },
        index=accounts.index,
    )


def geographic_concentration(
    areas: pd.DataFrame,
    *,
    min_accounts: float = 0,
    min_density: float = 0.0,
    accounts_col: str = "accounts",
    area_col: str = "area_km2",
) -> pd.DataFrame:
    """Where accounts are numerous and dense enough to deploy reps (course slide 35).

    Parameters
    ----------
    areas : pandas.DataFrame
        One row per area (index = area id) with its number of accounts and its surface.
        Not modified. The account count per unit comes e.g. from
        :func:`~territory_opt.salesforce.workload.workload_by_unit`.
    min_accounts : float, default 0
        Fewest accounts an area needs to get reps (>= 0).
    min_density : float, default 0.0
        Lowest density, accounts per km², an area needs to get reps (>= 0).
    accounts_col : str, default "accounts"
        Column with the number of accounts (>= 0).
    area_col : str, default "area_km2"
        Column with the area in km² (> 0).

    Returns
    -------
    pandas.DataFrame
        Same index, columns ``accounts``, ``area_km2``, ``density`` (accounts per
        km²), ``enough_accounts``, ``dense_enough`` and ``deploy`` (both, bool).

    Raises
    ------
    ValidationError
        On a missing column, a negative count, a non-positive area, or negative
        thresholds.
    """
    _check_numbers(
        [
            ("min_accounts", min_accounts, ">=0", "give the fewest accounts, >= 0."),
            ("min_density", min_density, ">=0", "give the lowest accounts per km², >= 0."),
        ]
    )
    where = "areas"
    _require_columns(areas, [accounts_col, area_col], where)
    problems = _numeric_problems(areas, [accounts_col], where)
    problems += _numeric_problems(areas, [area_col], where, allow_zero=False)
    if problems:
        raise ValidationError(problems)
    n = areas[accounts_col].astype(float)
    km2 = areas[area_col].astype(float)
    density = n / km2
    enough = n >= float(min_accounts) - _EPS
    dense = density >= float(min_density) - _EPS
    return pd.DataFrame(
        {
            "accounts": n,
            "area_km2": km2,
            "density": density,
            "enough_accounts": enough,
            "dense_enough": dense,
            "deploy": enough & dense,
        },
        index=areas.index,
    )
