"""Break-even (point mort): the revenue a rep must make, and the territories below it."""

from __future__ import annotations

import pandas as pd

from ..exceptions import ValidationError
from ._input_checks import (
    _EPS,
    _check_numbers,
    _numeric_problems,
    _require_columns,
)

__all__ = [
    "breakeven_check",
    "breakeven_revenue",
]


def breakeven_revenue(cost_per_rep: float, margin_rate: float) -> float:
    """Revenue a rep must make to cover his full cost (*point mort*, course slide 25).

    Parameters
    ----------
    cost_per_rep : float
        Yearly full cost of one rep: pay, charges, car, expenses (>= 0).
    margin_rate : float
        Contribution margin per unit of revenue, in (0, 1] (0.25 = 25 %).

    Returns
    -------
    float
        ``cost_per_rep / margin_rate``. The course's second question, "is this revenue
        realistic?", is answered by comparing it with territories' revenues, see
        :func:`breakeven_check`.

    Raises
    ------
    ValidationError
        If ``cost_per_rep`` is negative or ``margin_rate`` is outside (0, 1].
    """
    _check_numbers(
        [
            ("cost_per_rep", cost_per_rep, ">=0", "give the yearly full cost of one rep."),
            (
                "margin_rate",
                margin_rate,
                "(0,1]",
                "give the margin as a fraction of revenue in (0, 1], e.g. 0.25 for 25 %.",
            ),
        ]
    )
    return float(cost_per_rep) / float(margin_rate)


def breakeven_check(
    revenues: pd.Series | pd.DataFrame,
    *,
    cost_per_rep: float,
    margin_rate: float,
    revenue_col: str = "revenue",
    reps_col: str | None = None,
) -> pd.DataFrame:
    """Flag the territories whose revenue does not cover the cost of their reps.

    Parameters
    ----------
    revenues : pandas.Series or pandas.DataFrame
        Yearly revenue per territory (index = territory). A DataFrame must hold
        ``revenue_col`` (and ``reps_col`` if given). Not modified.
    cost_per_rep : float
        Yearly full cost of one rep (>= 0).
    margin_rate : float
        Contribution margin per unit of revenue, in (0, 1].
    revenue_col : str, default "revenue"
        Revenue column when ``revenues`` is a DataFrame.
    reps_col : str, optional
        Column with the reps (FTE) per territory; default one rep per territory.

    Returns
    -------
    pandas.DataFrame
        Same index, columns ``revenue``, ``reps``, ``breakeven_revenue`` (reps x
        cost / margin rate), ``coverage`` (revenue / break-even), ``profit`` (margin
        minus rep cost) and ``below_breakeven`` (bool).

    Raises
    ------
    ValidationError
        On a missing column, a negative or non-numeric revenue or rep count, or
        out-of-range cost or margin.
    """
    be = breakeven_revenue(cost_per_rep, margin_rate)
    where = "territories"
    if isinstance(revenues, pd.Series):
        frame = revenues.to_frame(name="revenue")
        rcol = "revenue"
    else:
        frame = revenues
        rcol = revenue_col
    needed = [rcol] if reps_col is None else [rcol, reps_col]
    _require_columns(frame, needed, where)
    problems = _numeric_problems(frame, needed, where)
    if problems:
        raise ValidationError(problems)
    revenue = frame[rcol].astype(float)
    reps = pd.Series(1.0, index=frame.index) if reps_col is None else frame[reps_col].astype(float)
    threshold = reps * be
    out = pd.DataFrame(
        {
            "revenue": revenue,
            "reps": reps,
            "breakeven_revenue": threshold,
            "coverage": revenue / threshold.where(threshold > 0),
            "profit": revenue * float(margin_rate) - reps * float(cost_per_rep),
        },
        index=frame.index,
    )
    out["below_breakeven"] = out["revenue"] < out["breakeven_revenue"] - _EPS
    return out
