"""Beswick & Cravens (1977) response function: sales per selling time, optimal time and headcount."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._input_checks import (
    _check_numbers,
    _numeric_problems,
    _require_columns,
)

__all__ = [
    "BESWICK_CRAVENS_1977",
    "ResponseAllocation",
    "ResponseCoefficients",
    "optimal_selling_time",
    "response_allocation",
    "response_sales",
]


@dataclass(frozen=True)
class ResponseCoefficients:
    r"""Coefficients of a multiplicative sales response function.

    .. math::

        s_i = a\, t_i^{b_1} (w_i/\bar w)^{b_2} (c_i/\bar c)^{b_3} p_i^{b_4}
              (r_i/\bar r)^{b_5} (e_i/\bar e)^{b_6}

    with, per control unit :math:`i` (course slide 30):

    * :math:`s_i` sales in the unit;
    * :math:`t_i` share of the rep's time given to the unit (in per cent in the course);
    * :math:`w_i/\bar w` workload of the unit over the mean workload per unit;
    * :math:`c_i/\bar c` share of the unit's potential turned into sales last year over
      the mean share;
    * :math:`p_i` potential of the unit (raw, not relative);
    * :math:`r_i/\bar r` seniority of the unit's manager over the mean manager
      seniority;
    * :math:`e_i/\bar e` seniority of the unit's rep over the mean rep seniority (the
      slide writes it :math:`s_i/\bar s`, a clash with sales, hence :math:`e` here).

    Attributes
    ----------
    constant : float
        :math:`a`.
    time, workload, conversion, potential, manager_seniority, rep_seniority : float
        :math:`b_1 \dots b_6`, the elasticities of sales to each factor.
    """

    constant: float = 0.4536
    time: float = 0.300
    workload: float = 0.182
    conversion: float = 0.604
    potential: float = 0.619
    manager_seniority: float = 0.112
    rep_seniority: float = 0.043


#: The response function Beswick & Cravens (1977) fitted for a maker of high-value
#: consumer goods with about a hundred reps, control units being geographic areas
#: (course slide 30). The constant only holds in that study's (unstated) units of sales
#: and potential; the elasticities are what carries over.
BESWICK_CRAVENS_1977 = ResponseCoefficients()


def response_sales(
    time: float | np.ndarray,
    *,
    potential: float | np.ndarray,
    workload_ratio: float | np.ndarray = 1.0,
    conversion_ratio: float | np.ndarray = 1.0,
    manager_seniority_ratio: float | np.ndarray = 1.0,
    rep_seniority_ratio: float | np.ndarray = 1.0,
    coefficients: ResponseCoefficients = BESWICK_CRAVENS_1977,
) -> float | np.ndarray:
    """Sales in a control unit given the selling time it receives (vectorised).

    Parameters
    ----------
    time : float or numpy.ndarray
        Selling time given to the unit (>= 0), in the unit the coefficients were fitted
        with (per cent of one rep's time for :data:`BESWICK_CRAVENS_1977`).
    potential : float or numpy.ndarray
        Potential of the unit (>= 0).
    workload_ratio, conversion_ratio, manager_seniority_ratio, rep_seniority_ratio : float or numpy.ndarray
        The unit's value over the mean value across units (1 = average unit).
    coefficients : ResponseCoefficients, default BESWICK_CRAVENS_1977
        The fitted response function.

    Returns
    -------
    float or numpy.ndarray
        Sales; a float when every input is scalar.

    Raises
    ------
    ValidationError
        If an input is negative or not finite.
    """
    args = {
        "time": time,
        "potential": potential,
        "workload_ratio": workload_ratio,
        "conversion_ratio": conversion_ratio,
        "manager_seniority_ratio": manager_seniority_ratio,
        "rep_seniority_ratio": rep_seniority_ratio,
    }
    arrays = {k: np.asarray(v, dtype=float) for k, v in args.items()}
    problems = [
        InputIssue(
            "settings",
            k,
            "holds negative or non-finite values.",
            f"give {k} as finite numbers >= 0.",
        )
        for k, a in arrays.items()
        if not np.all(np.isfinite(a)) or np.any(a < 0)
    ]
    if problems:
        raise ValidationError(problems)
    b = coefficients
    s = (
        b.constant
        * arrays["time"] ** b.time
        * arrays["workload_ratio"] ** b.workload
        * arrays["conversion_ratio"] ** b.conversion
        * arrays["potential"] ** b.potential
        * arrays["manager_seniority_ratio"] ** b.manager_seniority
        * arrays["rep_seniority_ratio"] ** b.rep_seniority
    )
    return float(s) if s.ndim == 0 else s


def optimal_selling_time(
    scale: float | np.ndarray,
    *,
    elasticity: float,
    margin_rate: float,
    cost_per_time: float,
) -> float | np.ndarray:
    r"""Selling time that maximises a unit's profit under ``sales = scale * t**elasticity``.

    Profit :math:`\pi(t) = m\,k\,t^{b} - c\,t` is concave for :math:`0 < b < 1`; setting
    :math:`\pi'(t) = m k b t^{b-1} - c = 0` gives

    .. math:: t^* = \left(\frac{m\,k\,b}{c}\right)^{1/(1-b)}

    at which sales are :math:`c\,t^*/b` and profit :math:`c\,t^*(1/b - 1)`.

    Parameters
    ----------
    scale : float or numpy.ndarray
        :math:`k`, sales at one unit of time (every factor but time), >= 0.
    elasticity : float
        :math:`b`, elasticity of sales to time, in (0, 1).
    margin_rate : float
        :math:`m`, contribution per unit of sales (> 0).
    cost_per_time : float
        :math:`c`, cost of one unit of selling time (> 0), e.g. cost per rep / 100
        when time is in per cent of a rep.

    Returns
    -------
    float or numpy.ndarray
        :math:`t^*` (0 where ``scale`` is 0).

    Raises
    ------
    ValidationError
        If ``elasticity`` is outside (0, 1) (no interior optimum), ``margin_rate`` or
        ``cost_per_time`` is not positive, or ``scale`` is negative.
    """
    _check_numbers(
        [
            (
                "elasticity",
                elasticity,
                "(0,1)",
                "use a response concave in time (0 < b < 1); otherwise profit has no "
                "interior maximum.",
            ),
            ("margin_rate", margin_rate, ">0", "give the contribution per unit of sales."),
            ("cost_per_time", cost_per_time, ">0", "give the cost of one unit of time."),
        ]
    )
    k = np.asarray(scale, dtype=float)
    if not np.all(np.isfinite(k)) or np.any(k < 0):
        raise ValidationError(
            [
                InputIssue(
                    "settings", "scale", "holds negative or non-finite values.", "give k >= 0."
                )
            ]
        )
    b = float(elasticity)
    t = (float(margin_rate) * k * b / float(cost_per_time)) ** (1.0 / (1.0 - b))
    return float(t) if t.ndim == 0 else t


@dataclass(frozen=True, eq=False)
class ResponseAllocation:
    """Profit-maximising selling time per control unit (Beswick & Cravens, step 2).

    Attributes
    ----------
    units : pandas.DataFrame
        One row per control unit (input index), columns ``scale`` (sales at one unit
        of time), ``optimal_time``, ``optimal_reps`` (time / time per rep),
        ``sales``, ``margin``, ``cost`` and ``profit`` at the optimum, plus
        ``territory`` when a territory column was given.
    optimal_headcount : float
        Sum of ``optimal_reps``: the optimal sales-force size (not rounded).
    total_profit : float
        Sum of ``profit``.
    by_territory : pandas.Series or None
        Optimal reps summed per territory (when a territory column was given); compare
        with today's reps with :func:`headcount_gaps`.
    """

    units: pd.DataFrame
    optimal_headcount: float
    total_profit: float
    by_territory: pd.Series | None


def response_allocation(
    units: pd.DataFrame,
    *,
    margin_rate: float,
    cost_per_rep: float,
    time_per_rep: float = 100.0,
    coefficients: ResponseCoefficients = BESWICK_CRAVENS_1977,
    potential_col: str = "potential",
    workload_col: str | None = None,
    conversion_col: str | None = None,
    manager_seniority_col: str | None = None,
    rep_seniority_col: str | None = None,
    territory_col: str | None = None,
) -> ResponseAllocation:
    """Optimal selling time per control unit and optimal headcount (Beswick & Cravens, 1977).

    Step 1 of the model (fitting the response function) is given by ``coefficients``;
    this is step 2 (course slide 29): for each control unit, the selling time that
    maximises its profit (margin on the sales the time brings minus the cost of that
    time, closed form in :func:`optimal_selling_time`); the times added up give the
    optimal number of reps. Units are independent because the optimum is unconstrained.

    Ratio factors (workload, conversion, seniorities) are each unit's raw value over the
    mean across the rows of ``units``; a factor whose column is not given counts as
    average (ratio 1). The potential enters raw.

    Parameters
    ----------
    units : pandas.DataFrame
        One row per control unit. Not modified.
    margin_rate : float
        Contribution per unit of sales (> 0), in the sales units of the response.
    cost_per_rep : float
        Yearly full cost of one rep (> 0).
    time_per_rep : float, default 100.0
        Time units in one rep's year: 100 when ``t`` is in per cent of a rep, as in the
        course; 1 when it is in FTE.
    coefficients : ResponseCoefficients, default BESWICK_CRAVENS_1977
        The response function; its ``time`` elasticity must be in (0, 1).
    potential_col : str, default "potential"
        Column with each unit's potential (>= 0).
    workload_col, conversion_col, manager_seniority_col, rep_seniority_col : str, optional
        Columns with each unit's workload, last year's conversion share of potential,
        manager seniority and rep seniority (>= 0, mean > 0).
    territory_col : str, optional
        Column with the territory each unit belongs to, to sum optimal reps per
        territory.

    Returns
    -------
    ResponseAllocation

    Raises
    ------
    ValidationError
        On a missing column, negative or non-numeric values, a ratio column whose mean
        is 0, or out-of-range settings.

    Notes
    -----
    The course's outcome ("territory B would need 2.37 reps instead of 1, territory C
    0.36 instead of 1", slide 31) cannot be reproduced: the territory data it comes
    from is not in the slides' text.
    """
    _check_numbers(
        [
            ("margin_rate", margin_rate, ">0", "give the contribution per unit of sales."),
            ("cost_per_rep", cost_per_rep, ">0", "give the yearly full cost of one rep."),
            (
                "time_per_rep",
                time_per_rep,
                ">0",
                "give the time units in one rep's year (100 for per cent, 1 for FTE).",
            ),
        ]
    )
    ratio_cols = {
        "workload": workload_col,
        "conversion": conversion_col,
        "manager_seniority": manager_seniority_col,
        "rep_seniority": rep_seniority_col,
    }
    _check_response_units(units, potential_col, list(ratio_cols.values()), territory_col)
    scale = _unit_scale(units, potential_col, ratio_cols, coefficients)
    out = _optimal_times(
        scale,
        units.index,
        margin_rate=float(margin_rate),
        cost_per_time=float(cost_per_rep) / float(time_per_rep),
        time_per_rep=float(time_per_rep),
        elasticity=coefficients.time,
    )
    by_territory: pd.Series | None = None
    if territory_col is not None:
        out["territory"] = units[territory_col].to_numpy()
        by_territory = out.groupby("territory", sort=True)["optimal_reps"].sum()
    return ResponseAllocation(
        out, float(out["optimal_reps"].sum()), float(out["profit"].sum()), by_territory
    )


def _check_response_units(
    units: pd.DataFrame,
    potential_col: str,
    ratio_cols: list[str | None],
    territory_col: str | None,
) -> None:
    """Raise a ValidationError on missing columns, bad numbers or a ratio column of mean 0."""
    where = "units"
    numeric = [potential_col, *(c for c in ratio_cols if c is not None)]
    needed = numeric + ([territory_col] if territory_col is not None else [])
    _require_columns(units, needed, where)
    problems = _numeric_problems(units, numeric, where)
    if not problems:
        for c in ratio_cols:
            if c is not None and not float(units[c].astype(float).mean()) > 0:
                problems.append(
                    InputIssue(
                        where,
                        f"column {c!r}",
                        "has a mean of 0, so the ratio to the mean is undefined.",
                        f"check column {c!r}, or leave it out to treat units as average.",
                    )
                )
    if problems:
        raise ValidationError(problems)


def _unit_scale(
    units: pd.DataFrame,
    potential_col: str,
    ratio_cols: dict[str, str | None],
    coefficients: ResponseCoefficients,
) -> np.ndarray:
    """Sales of each unit at one unit of selling time (every factor but time)."""

    def ratio(col: str | None) -> np.ndarray | float:
        if col is None:
            return 1.0
        v = units[col].astype(float).to_numpy()
        return v / v.mean()

    return np.asarray(
        response_sales(
            1.0,
            potential=units[potential_col].astype(float).to_numpy(),
            workload_ratio=ratio(ratio_cols["workload"]),
            conversion_ratio=ratio(ratio_cols["conversion"]),
            manager_seniority_ratio=ratio(ratio_cols["manager_seniority"]),
            rep_seniority_ratio=ratio(ratio_cols["rep_seniority"]),
            coefficients=coefficients,
        ),
        dtype=float,
    ) * np.ones(len(units))


def _optimal_times(
    scale: np.ndarray,
    index: pd.Index,
    *,
    margin_rate: float,
    cost_per_time: float,
    time_per_rep: float,
    elasticity: float,
) -> pd.DataFrame:
    """Optimal time per unit with its reps, sales, margin, cost and profit."""
    t = np.asarray(
        optimal_selling_time(
            scale,
            elasticity=elasticity,
            margin_rate=margin_rate,
            cost_per_time=cost_per_time,
        ),
        dtype=float,
    )
    sales = scale * t**elasticity
    out = pd.DataFrame(
        {
            "scale": scale,
            "optimal_time": t,
            "optimal_reps": t / time_per_rep,
            "sales": sales,
            "margin": sales * margin_rate,
            "cost": t * cost_per_time,
        },
        index=index,
    )
    out["profit"] = out["margin"] - out["cost"]
    return out
