"""Headcount by the workload and the sales-objective methods, and needed vs current reps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._input_checks import (
    _ceil,
    _check_numbers,
    _numeric_problems,
)
from .workload import Segment, rep_capacity_hours, required_reps, total_workload_hours

__all__ = [
    "SalesObjectiveSizing",
    "WorkloadSizing",
    "headcount_gaps",
    "size_by_sales_objective",
    "size_by_workload",
]


@dataclass(frozen=True)
class WorkloadSizing:
    """Result of the workload method.

    Attributes
    ----------
    total_hours : float
        Contact hours per year the accounts need.
    capacity_hours : float
        Contact hours per year one rep offers.
    reps : float
        ``total_hours / capacity_hours`` (16.30 for the course's example).
    headcount : int
        ``reps`` rounded up: the reps needed to make every visit (17 for the course).
    """

    total_hours: float
    capacity_hours: float
    reps: float
    headcount: int


def size_by_workload(
    segments: Iterable[Segment], capacity_hours: float | None = None
) -> WorkloadSizing:
    """Sales-force size by the workload method (course slides 19-21).

    Parameters
    ----------
    segments : iterable of Segment
        Account segments with their visit norms.
    capacity_hours : float, optional
        Contact hours per year of one rep; default :func:`rep_capacity_hours` with the
        course's figures (46 weeks x 5 days x 8 h x 40 % = 736 h).

    Returns
    -------
    WorkloadSizing

    Raises
    ------
    ValidationError
        On an invalid segment or a non-positive capacity.
    """
    cap = rep_capacity_hours() if capacity_hours is None else capacity_hours
    total = total_workload_hours(segments)
    reps = required_reps(total, cap)
    return WorkloadSizing(total, float(cap), reps, _ceil(reps))


@dataclass(frozen=True)
class SalesObjectiveSizing:
    """Result of the sales-objective method.

    Attributes
    ----------
    target_revenue : float
        Revenue the sales force must make.
    forecast_revenue_per_rep : float
        Current revenue per rep x (1 + productivity change).
    reps : float
        ``target_revenue / forecast_revenue_per_rep``.
    headcount : int
        ``reps`` rounded up.
    """

    target_revenue: float
    forecast_revenue_per_rep: float
    reps: float
    headcount: int


def size_by_sales_objective(
    target_revenue: float,
    revenue_per_rep: float,
    productivity_change: float = 0.0,
) -> SalesObjectiveSizing:
    """Sales-force size by the sales-objective method (course slide 23).

    The forecast revenue per rep is today's average revenue per rep corrected by the
    expected change in productivity; the headcount is the target revenue divided by it.
    Fits businesses where sales follow directly from the reps' work and the selling
    time per product is stable (the course's example: encyclopaedias sold door to door).

    Parameters
    ----------
    target_revenue : float
        Revenue objective (>= 0).
    revenue_per_rep : float
        Current average revenue per rep (> 0).
    productivity_change : float, default 0.0
        Expected relative change of revenue per rep, > -1 (0.10 = +10 %).

    Returns
    -------
    SalesObjectiveSizing

    Raises
    ------
    ValidationError
        If an argument is out of range.
    """
    _check_numbers(
        [
            ("target_revenue", target_revenue, ">=0", "give the revenue objective (>= 0)."),
            (
                "revenue_per_rep",
                revenue_per_rep,
                ">0",
                "give the current average revenue per rep (> 0).",
            ),
            (
                "productivity_change",
                productivity_change,
                ">-1",
                "give the change as a fraction, e.g. 0.10 for +10 % or -0.05 for -5 %.",
            ),
        ]
    )
    forecast = float(revenue_per_rep) * (1.0 + float(productivity_change))
    reps = float(target_revenue) / forecast
    return SalesObjectiveSizing(float(target_revenue), forecast, reps, _ceil(reps))


def headcount_gaps(
    needed: pd.Series | Mapping[str, float],
    current: pd.Series | Mapping[str, float],
    tolerance: float = 0.05,
) -> pd.DataFrame:
    """Which territories need more or fewer reps than they have.

    Parameters
    ----------
    needed : pandas.Series or mapping
        Reps (FTE) each territory needs, e.g. ``ResponseAllocation.by_territory``.
    current : pandas.Series or mapping
        Reps (FTE) each territory has today; same territories as ``needed``.
    tolerance : float, default 0.05
        Gaps within +/- ``tolerance`` reps count as ``"ok"`` (>= 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by territory (sorted), columns ``current_reps``, ``needed_reps``,
        ``gap`` (needed - current) and ``verdict`` (``"more"``, ``"fewer"`` or
        ``"ok"``). The course's example reads: B needs 2.37 reps instead of 1 (gap
        +1.37, ``"more"``), C needs 0.36 instead of 1 (gap -0.64, ``"fewer"``).

    Raises
    ------
    ValidationError
        If the territories differ between the two inputs, a count is negative or not
        a number, or ``tolerance`` is negative.
    """
    _check_numbers([("tolerance", tolerance, ">=0", "give a tolerance in reps, e.g. 0.05.")])
    need = needed if isinstance(needed, pd.Series) else pd.Series(dict(needed), dtype=object)
    have = current if isinstance(current, pd.Series) else pd.Series(dict(current), dtype=object)
    where = "territories"
    problems: list[InputIssue] = []
    only_need = sorted(map(str, set(need.index) - set(have.index)))
    only_have = sorted(map(str, set(have.index) - set(need.index)))
    if only_need:
        problems.append(
            InputIssue(
                where,
                ", ".join(only_need),
                "have a needed headcount but no current headcount.",
                "give their current reps (0 if none).",
            )
        )
    if only_have:
        problems.append(
            InputIssue(
                where,
                ", ".join(only_have),
                "have a current headcount but no needed headcount.",
                "give their needed reps, or drop them from the current headcount.",
            )
        )
    frame = pd.DataFrame({"current_reps": have, "needed_reps": need})
    if not problems:
        problems = _numeric_problems(frame, ["current_reps", "needed_reps"], where)
    if problems:
        raise ValidationError(problems)
    frame = frame.astype(float).sort_index()
    frame["gap"] = frame["needed_reps"] - frame["current_reps"]
    frame["verdict"] = np.where(
        frame["gap"] > tolerance, "more", np.where(frame["gap"] < -tolerance, "fewer", "ok")
    )
    frame.index.name = "territory"
    return frame
