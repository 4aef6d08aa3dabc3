"""Marginal profitability: profit per headcount when sales per rep follow potential per rep."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._input_checks import (
    _check_numbers,
    _is_bad_number,
)

__all__ = [
    "LogResponse",
    "MarginalProfitability",
    "marginal_profitability",
]


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
        problems: list[InputIssue] = []
        if p.shape != q.shape or p.ndim != 1:
            problems.append(
                InputIssue(
                    "settings",
                    "potential_per_rep, units_per_rep",
                    f"have shapes {p.shape} and {q.shape}.",
                    "give two flat sequences of the same length.",
                )
            )
        elif np.unique(p).size < 2 or not np.all(np.isfinite(p)) or np.any(p <= 0):
            problems.append(
                InputIssue(
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
    _check_headcounts(hc, units_per_rep, market_potential)
    n = np.array(hc, dtype=float)
    potential = (
        np.full(n.shape, np.nan) if market_potential is None else float(market_potential) / n
    )
    units = _units_per_rep(units_per_rep, potential)
    table = _profit_table(hc, potential, units, float(margin_per_unit), float(cost_per_rep))
    best = int(table["profit"].to_numpy().argmax())
    return MarginalProfitability(table, int(table.index[best]), float(table["profit"].iloc[best]))


def _check_headcounts(
    hc: list[int],
    units_per_rep: Sequence[float] | Callable[[float], float],
    market_potential: float | None,
) -> None:
    """Raise a ValidationError on bad headcounts or a missing or bad market potential."""
    problems: list[InputIssue] = []
    if not hc:
        problems.append(
            InputIssue("settings", "headcounts", "is empty.", "give at least one headcount.")
        )
    bad = [h for h in hc if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1]
    if bad:
        problems.append(
            InputIssue(
                "settings",
                "headcounts",
                f"{bad!r} are not integers >= 1.",
                "give headcounts as whole numbers of reps, e.g. [5, 10, 20].",
            )
        )
    if len(set(hc)) != len(hc):
        problems.append(
            InputIssue("settings", "headcounts", "holds repeated values.", "list each once.")
        )
    if market_potential is not None and (_is_bad_number(market_potential) or market_potential <= 0):
        problems.append(
            InputIssue(
                "settings",
                "market_potential",
                f"is {market_potential!r}, not a number > 0.",
                "give the total market potential, or leave it out.",
            )
        )
    if callable(units_per_rep) and market_potential is None:
        problems.append(
            InputIssue(
                "settings",
                "market_potential",
                "is needed when units_per_rep is a function of the potential per rep.",
                "pass market_potential=<total potential>.",
            )
        )
    if problems:
        raise ValidationError(problems)


def _units_per_rep(
    units_per_rep: Sequence[float] | Callable[[float], float], potential: np.ndarray
) -> np.ndarray:
    """Units sold per rep at each headcount (the response at ``potential`` or the values given)."""
    if callable(units_per_rep):
        units = np.array([float(units_per_rep(float(p))) for p in potential])
    else:
        units = np.asarray(list(units_per_rep), dtype=float)
        if units.shape != potential.shape:
            raise ValidationError(
                [
                    InputIssue(
                        "settings",
                        "units_per_rep",
                        f"has {units.size} values for {potential.size} headcounts.",
                        "give one units-per-rep value per headcount, in the same order.",
                    )
                ]
            )
    if not np.all(np.isfinite(units)) or np.any(units < 0):
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    "units_per_rep",
                    f"holds negative or non-finite values ({units.tolist()}).",
                    "give units per rep >= 0 (check the response function's domain).",
                )
            ]
        )
    return units


def _profit_table(
    hc: list[int],
    potential: np.ndarray,
    units: np.ndarray,
    margin_per_unit: float,
    cost_per_rep: float,
) -> pd.DataFrame:
    """Units, margin, cost, profit and marginal profit per headcount (ascending)."""
    table = pd.DataFrame(
        {
            "headcount": np.array(hc, dtype=int),
            "potential_per_rep": potential,
            "units_per_rep": units,
        }
    )
    table = table.sort_values("headcount").set_index("headcount")
    table["total_units"] = table.index.to_numpy() * table["units_per_rep"]
    table["total_margin"] = table["total_units"] * margin_per_unit
    table["total_cost"] = table.index.to_numpy() * cost_per_rep
    table["profit"] = table["total_margin"] - table["total_cost"]
    steps = np.diff(table.index.to_numpy().astype(float), prepend=np.nan)
    table["marginal_profit"] = table["profit"].diff() / steps
    return table
