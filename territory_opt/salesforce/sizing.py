r"""Sales-force size: the methods of the seed course, as pure functions.

The course "L'organisation commerciale" (slides 18-35, after Darmon 1998 and Zoltners,
Sinha & Lorimer) lists these ways to set the number of reps:

* **workload** (:func:`size_by_workload`): hours the accounts need / contact hours of
  one rep; the arithmetic lives in :mod:`territory_opt.salesforce.workload`;
* **sales objective** (:func:`size_by_sales_objective`): target revenue / forecast
  revenue per rep, the forecast being today's revenue per rep corrected by the
  expected productivity change;
* **break-even** (*point mort*, :func:`breakeven_revenue`, :func:`breakeven_check`):
  the revenue a rep must make to pay for himself, and the territories below it;
* **marginal profitability** / potential equalisation
  (:func:`marginal_profitability`, :class:`LogResponse`): sales per rep as a concave
  function of the potential per rep, profit for each headcount, the best headcount;
* **response functions** (Beswick & Cravens, 1977; :func:`response_allocation`,
  :func:`optimal_selling_time`, :func:`headcount_gaps`): the selling time per control
  unit that maximises profit, summed into the optimal headcount;
* **minimum ROI per account** (:func:`minimum_roi_accounts`): accounts whose margin does
  not pay for the rep time (in full-time-equivalents) they take;
* **geographic concentration** (:func:`geographic_concentration`): deploy reps only
  where the number and density of accounts are enough.

Every function validates its input and raises
:class:`~territory_opt.exceptions.ValidationError` listing every problem with its fix.
Results are frozen dataclasses or new DataFrames; inputs are never modified.

What the slides do not let us reproduce
---------------------------------------
* Beswick & Cravens (slide 31) conclude that "territory B would need 2.37 reps instead
  of 1 and territory C 0.36 instead of 1", but the slide's table of territory data
  (workload, conversion, potential, seniorities, margin, cost) is an image missing from
  the transcript. Those two numbers are therefore only checked as the *comparison*
  step (:func:`headcount_gaps`); the closed-form optimum is checked against a numeric
  optimiser instead.
* The break-even slide (25), the minimum-ROI slide (34, "NGO, ROI threshold 200 %") and
  the pipeline slide (24) give no figures in the transcript; the functions are checked
  against hand computations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import Problem, ValidationError
from .workload import (
    Segment,
    _is_bad_number,
    _numeric_problems,
    _require_columns,
    rep_capacity_hours,
    required_reps,
    total_workload_hours,
)

__all__ = [
    "BESWICK_CRAVENS_1977",
    "LogResponse",
    "MarginalProfitability",
    "ResponseAllocation",
    "ResponseCoefficients",
    "SalesObjectiveSizing",
    "WorkloadSizing",
    "breakeven_check",
    "breakeven_revenue",
    "geographic_concentration",
    "headcount_gaps",
    "marginal_profitability",
    "minimum_roi_accounts",
    "optimal_selling_time",
    "response_allocation",
    "response_sales",
    "size_by_sales_objective",
    "size_by_workload",
]

_EPS = 1e-9


def _ceil(x: float) -> int:
    """Round up, ignoring float noise (10.000000000001 -> 10)."""
    return math.ceil(x - _EPS)


def _check_numbers(checks: Iterable[tuple[str, object, str, str]], where: str = "settings") -> None:
    """Raise one ValidationError for every (name, value, rule, fix) that fails.

    ``rule`` is one of ``">0"``, ``">=0"``, ``"(0,1]"``, ``"(0,1)"``, ``">-1"``.
    """
    problems: list[Problem] = []
    for name, value, rule, fix in checks:
        if _is_bad_number(value):
            problems.append(Problem(where, name, f"{name} is {value!r}, not a number.", fix))
            continue
        v = float(value)  # type: ignore[arg-type]
        ok = {
            ">0": v > 0,
            ">=0": v >= 0,
            "(0,1]": 0 < v <= 1,
            "(0,1)": 0 < v < 1,
            ">-1": v > -1,
        }[rule]
        if not ok:
            problems.append(Problem(where, name, f"{name} is {v:g}, it must be {rule}.", fix))
    if problems:
        raise ValidationError(problems)


# --- workload method ---------------------------------------------------------------------


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


# --- sales-objective method ----------------------------------------------------------


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


# --- break-even ----------------------------------------------------------------------


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


# --- marginal profitability / potential equalisation ---------------------------------------


@dataclass(frozen=True)
class LogResponse:
    r"""Concave response of sales per rep to potential per rep: ``q(p) = alpha + beta ln p``.

    Diminishing returns (course slide 27): the richer a rep's territory, the more he
    sells, but each extra unit of potential brings less. The course's three points
    (potential per rep 5, 10, 20 -> 1,000, 1,500, 2,000 units per rep, slide 28) lie
    exactly on such a curve: +500 units per doubling of the potential.

    Attributes
    ----------
    alpha, beta : float
        Intercept and slope on ``ln p``; ``beta > 0`` gives a concave, increasing curve.
    """

    alpha: float
    beta: float

    def __call__(self, potential_per_rep: float) -> float:
        """Units sold per rep when each rep holds ``potential_per_rep``."""
        return self.alpha + self.beta * math.log(potential_per_rep)

    @classmethod
    def fit(cls, potential_per_rep: Sequence[float], units_per_rep: Sequence[float]) -> LogResponse:
        """Least-squares fit on observed (potential per rep, units per rep) pairs.

        Parameters
        ----------
        potential_per_rep : sequence of float
            Potential per rep (> 0), at least two distinct values.
        units_per_rep : sequence of float
            Units sold per rep at those potentials.

        Returns
        -------
        LogResponse

        Raises
        ------
        ValidationError
            If the sequences differ in length, hold fewer than two distinct
            potentials, or a potential is not positive.
        """
        p = np.asarray(potential_per_rep, dtype=float)
        q = np.asarray(units_per_rep, dtype=float)
        problems: list[Problem] = []
        if p.shape != q.shape or p.ndim != 1:
            problems.append(
                Problem(
                    "settings",
                    "potential_per_rep, units_per_rep",
                    f"have shapes {p.shape} and {q.shape}.",
                    "give two flat sequences of the same length.",
                )
            )
        elif np.unique(p).size < 2 or not np.all(np.isfinite(p)) or np.any(p <= 0):
            problems.append(
                Problem(
                    "settings",
                    "potential_per_rep",
                    "needs at least two distinct finite values, all > 0.",
                    "give observations at two or more potentials per rep.",
                )
            )
        if problems:
            raise ValidationError(problems)
        beta, alpha = np.polyfit(np.log(p), q, 1)
        return cls(float(alpha), float(beta))


@dataclass(frozen=True, eq=False)
class MarginalProfitability:
    """Profit for each headcount considered, and the best one.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``headcount`` (ascending), columns ``potential_per_rep`` (NaN when
        the market potential is not given), ``units_per_rep``, ``total_units``,
        ``total_margin``, ``total_cost``, ``profit`` and ``marginal_profit`` (profit
        change per rep added since the previous row; NaN on the first row).
    best_headcount : int
        Headcount with the highest profit among those considered (the smallest one
        on a tie).
    best_profit : float
        Its profit.
    """

    table: pd.DataFrame
    best_headcount: int
    best_profit: float


def marginal_profitability(
    headcounts: Sequence[int],
    units_per_rep: Sequence[float] | Callable[[float], float],
    *,
    margin_per_unit: float,
    cost_per_rep: float,
    market_potential: float | None = None,
) -> MarginalProfitability:
    """Profit of each headcount when sales per rep depend on potential per rep.

    The marginal-profitability method (course slides 26-28) looks for the headcount
    beyond which one more rep lowers profit. With ``n`` reps sharing a market of
    potential ``P`` equally, each holds ``P / n`` and sells ``q(P / n)`` units; profit
    is ``n q(P/n) m - n c`` with margin ``m`` per unit and cost ``c`` per rep.

    Course example (slide 28): 20 / 10 / 5 reps sell 1,000 / 1,500 / 2,000 units each;
    at CHF 100 margin per unit that is 2.0 M / 1.5 M / 1.0 M of margin; reps cost
    CHF 80,000, so 1.6 M / 0.8 M / 0.4 M; profit 400 k / 700 k / 600 k: 10 reps is best.

    Parameters
    ----------
    headcounts : sequence of int
        Headcounts to compare (each >= 1, distinct).
    units_per_rep : sequence of float or callable
        Units sold per rep at each headcount (same order as ``headcounts``), or a
        function of the potential per rep (e.g. :class:`LogResponse`), which then needs
        ``market_potential``.
    margin_per_unit : float
        Contribution margin per unit sold (>= 0).
    cost_per_rep : float
        Yearly full cost of one rep (>= 0).
    market_potential : float, optional
        Total market potential shared by the reps (> 0), in the units the callable
        expects.

    Returns
    -------
    MarginalProfitability

    Raises
    ------
    ValidationError
        On an empty, non-integer, non-positive or repeated headcount, a length
        mismatch, a negative units value, a callable without ``market_potential``, or
        a negative margin or cost.
    """
    _check_numbers(
        [
            ("margin_per_unit", margin_per_unit, ">=0", "give the margin per unit sold."),
            ("cost_per_rep", cost_per_rep, ">=0", "give the yearly full cost of one rep."),
        ]
    )
    hc = list(headcounts)
    problems: list[Problem] = []
    if not hc:
        problems.append(
            Problem("settings", "headcounts", "is empty.", "give at least one headcount.")
        )
    bad = [h for h in hc if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1]
    if bad:
        problems.append(
            Problem(
                "settings",
                "headcounts",
                f"{bad!r} are not integers >= 1.",
                "give headcounts as whole numbers of reps, e.g. [5, 10, 20].",
            )
        )
    if len(set(hc)) != len(hc):
        problems.append(
            Problem("settings", "headcounts", "holds repeated values.", "list each once.")
        )
    if market_potential is not None and (_is_bad_number(market_potential) or market_potential <= 0):
        problems.append(
            Problem(
                "settings",
                "market_potential",
                f"is {market_potential!r}, not a number > 0.",
                "give the total market potential, or leave it out.",
            )
        )
    if callable(units_per_rep) and market_potential is None:
        problems.append(
            Problem(
                "settings",
                "market_potential",
                "is needed when units_per_rep is a function of the potential per rep.",
                "pass market_potential=<total potential>.",
            )
        )
    if problems:
        raise ValidationError(problems)

    n = np.array(hc, dtype=float)
    potential = (
        np.full(n.shape, np.nan) if market_potential is None else float(market_potential) / n
    )
    if callable(units_per_rep):
        units = np.array([float(units_per_rep(float(p))) for p in potential])
    else:
        units = np.asarray(list(units_per_rep), dtype=float)
        if units.shape != n.shape:
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        "units_per_rep",
                        f"has {units.size} values for {n.size} headcounts.",
                        "give one units-per-rep value per headcount, in the same order.",
                    )
                ]
            )
    if not np.all(np.isfinite(units)) or np.any(units < 0):
        raise ValidationError(
            [
                Problem(
                    "settings",
                    "units_per_rep",
                    f"holds negative or non-finite values ({units.tolist()}).",
                    "give units per rep >= 0 (check the response function's domain).",
                )
            ]
        )
    table = pd.DataFrame(
        {
            "headcount": np.array(hc, dtype=int),
            "potential_per_rep": potential,
            "units_per_rep": units,
        }
    )
    table = table.sort_values("headcount").set_index("headcount")
    table["total_units"] = table.index.to_numpy() * table["units_per_rep"]
    table["total_margin"] = table["total_units"] * float(margin_per_unit)
    table["total_cost"] = table.index.to_numpy() * float(cost_per_rep)
    table["profit"] = table["total_margin"] - table["total_cost"]
    steps = np.diff(table.index.to_numpy().astype(float), prepend=np.nan)
    table["marginal_profit"] = table["profit"].diff() / steps
    best = int(table["profit"].to_numpy().argmax())
    return MarginalProfitability(table, int(table.index[best]), float(table["profit"].iloc[best]))


# --- response function: Beswick & Cravens (1977) ---------------------------------------


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
        Problem(
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
            [Problem("settings", "scale", "holds negative or non-finite values.", "give k >= 0.")]
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
    where = "units"
    ratio_cols = {
        "workload": workload_col,
        "conversion": conversion_col,
        "manager_seniority": manager_seniority_col,
        "rep_seniority": rep_seniority_col,
    }
    numeric = [potential_col, *(c for c in ratio_cols.values() if c is not None)]
    needed = numeric + ([territory_col] if territory_col is not None else [])
    _require_columns(units, needed, where)
    problems = _numeric_problems(units, numeric, where)
    if not problems:
        for c in ratio_cols.values():
            if c is not None and not float(units[c].astype(float).mean()) > 0:
                problems.append(
                    Problem(
                        where,
                        f"column {c!r}",
                        "has a mean of 0, so the ratio to the mean is undefined.",
                        f"check column {c!r}, or leave it out to treat units as average.",
                    )
                )
    if problems:
        raise ValidationError(problems)

    def ratio(col: str | None) -> np.ndarray | float:
        if col is None:
            return 1.0
        v = units[col].astype(float).to_numpy()
        return v / v.mean()

    scale = np.asarray(
        response_sales(
            1.0,
            potential=units[potential_col].astype(float).to_numpy(),
            workload_ratio=ratio(workload_col),
            conversion_ratio=ratio(conversion_col),
            manager_seniority_ratio=ratio(manager_seniority_col),
            rep_seniority_ratio=ratio(rep_seniority_col),
            coefficients=coefficients,
        ),
        dtype=float,
    ) * np.ones(len(units))
    cost_per_time = float(cost_per_rep) / float(time_per_rep)
    t = np.asarray(
        optimal_selling_time(
            scale,
            elasticity=coefficients.time,
            margin_rate=float(margin_rate),
            cost_per_time=cost_per_time,
        ),
        dtype=float,
    )
    sales = scale * t**coefficients.time
    out = pd.DataFrame(
        {
            "scale": scale,
            "optimal_time": t,
            "optimal_reps": t / float(time_per_rep),
            "sales": sales,
            "margin": sales * float(margin_rate),
            "cost": t * cost_per_time,
        },
        index=units.index,
    )
    out["profit"] = out["margin"] - out["cost"]
    by_territory: pd.Series | None = None
    if territory_col is not None:
        out["territory"] = units[territory_col].to_numpy()
        by_territory = out.groupby("territory", sort=True)["optimal_reps"].sum()
    return ResponseAllocation(
        out, float(out["optimal_reps"].sum()), float(out["profit"].sum()), by_territory
    )


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
    problems: list[Problem] = []
    only_need = sorted(map(str, set(need.index) - set(have.index)))
    only_have = sorted(map(str, set(have.index) - set(need.index)))
    if only_need:
        problems.append(
            Problem(
                where,
                ", ".join(only_need),
                "have a needed headcount but no current headcount.",
                "give their current reps (0 if none).",
            )
        )
    if only_have:
        problems.append(
            Problem(
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


# --- minimum ROI per account ---------------------------------------------------------


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
        raise ValidationError([Problem("settings", "roi", f"is {roi!r}.", "use 'net' or 'gross'.")])
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


# --- geographic concentration ------------------------------------------------------------


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
