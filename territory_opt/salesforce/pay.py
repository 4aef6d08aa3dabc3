"""Pay impact of a redeployment (course slide 40, *Impératifs en cas de redéploiement*).

When a territory shrinks, the course recommends (a) giving the former rep a fraction of
the commissions on the accounts they lose, which also makes the old and new rep work
together, and (b) guaranteeing the former pay: 100 % in year 1, 75 % in year 2, 50 % in
year 3 (provided the rep meets some objectives). :func:`pay_impact` computes, per rep and
year, the pay under the new plan, the share kept on lost accounts, the guarantee top-up,
and the cost of the redeployment for the company.

Model, per rep :math:`r` and year :math:`y` (1-based), with commission rate :math:`c`,
fixed salary :math:`F_r`, revenue :math:`R` of the accounts held before (:math:`B_r`) and
after (:math:`A_r`) the redeployment, lost accounts :math:`L_r = B_r \\setminus A_r`,
kept share :math:`k_y` and guarantee :math:`g_y`:

.. math::

    \\text{former}_r = F_r + c\\,R(B_r), \\qquad
    \\text{earned}_{ry} = F_r + c\\,R(A_r) + k_y\\,c\\,R(L_r),

    \\text{top-up}_{ry} = \\max\\bigl(0,\\ g_y\\,\\text{former}_r - \\text{earned}_{ry}\\bigr), \\qquad
    \\text{paid}_{ry} = \\text{earned}_{ry} + \\text{top-up}_{ry}.

The company's extra cost in year :math:`y` is :math:`\\sum_r k_y c R(L_r) + \\text{top-up}_{ry}`
(commissions on a moved account are paid once to the gaining rep anyway).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ..exceptions import InputIssue, ValidationError

__all__ = ["COURSE_GUARANTEE", "PayImpact", "pay_impact"]

COURSE_GUARANTEE: tuple[float, ...] = (1.00, 0.75, 0.50)


@dataclass(frozen=True)
class PayImpact:
    """Result of :func:`pay_impact`.

    Attributes
    ----------
    per_rep : DataFrame
        One row per (rep, year): ``former_pay``, ``revenue_before``, ``revenue_after``,
        ``revenue_lost``, ``revenue_gained``, ``earned``, ``kept_commission``, ``top_up``,
        ``paid``, ``company_cost``.
    per_year : DataFrame
        Totals per year.
    total_cost : float
        Extra cost of the redeployment for the company over the whole schedule.
    """

    per_rep: pd.DataFrame
    per_year: pd.DataFrame
    total_cost: float


def _check(
    commission_rate: float, guarantee: Sequence[float], kept_share: Sequence[float] | float
) -> list[InputIssue]:
    problems = []
    if not 0 <= commission_rate <= 1:
        problems.append(
            InputIssue(
                "settings",
                "commission_rate",
                f"{commission_rate} is not a rate in [0, 1].",
                "give e.g. 0.05 for 5 %.",
            )
        )
    for name, values in (
        ("guarantee", list(guarantee)),
        ("kept_share", [kept_share] if isinstance(kept_share, float | int) else list(kept_share)),
    ):
        bad = [v for v in values if not 0 <= v <= 1]
        if bad:
            problems.append(
                InputIssue(
                    "settings",
                    name,
                    f"values {bad} are not fractions in [0, 1].",
                    "give e.g. (1.0, 0.75, 0.5).",
                )
            )
    return problems


def pay_impact(
    accounts: pd.DataFrame,
    before: pd.Series,
    after: pd.Series,
    *,
    commission_rate: float,
    fixed_salary: float | Mapping[str, float] = 0.0,
    guarantee: Sequence[float] = COURSE_GUARANTEE,
    kept_share: Sequence[float] | float = 0.0,
    revenue_col: str = "revenue",
    unit_col: str = "unit",
) -> PayImpact:
    """Pay of each rep before/after a redeployment, with the course's guarantee.

    Parameters
    ----------
    accounts : DataFrame
        One row per account with ``unit_col`` and ``revenue_col`` (yearly revenue, or
        potential as a proxy).
    before, after : Series
        Unit -> rep of the former and the new plan (accounts follow their unit).
    commission_rate : float
        Commission on revenue, e.g. 0.05.
    fixed_salary : float or mapping
        Fixed pay per rep (one number for all, or rep -> amount).
    guarantee : sequence of float
        Guaranteed share of the former pay per year (course: 100 %, 75 %, 50 %).
    kept_share : float or sequence
        Share of the commission on lost accounts the former rep keeps, per year.
    revenue_col, unit_col : str
        Column names in ``accounts``.

    Returns
    -------
    PayImpact
    """
    problems = _check(commission_rate, guarantee, kept_share)
    for col in (unit_col, revenue_col):
        if col not in accounts.columns:
            problems.append(
                InputIssue("accounts", f"column {col!r}", "is missing.", "add it or pass its name.")
            )
    if problems:
        raise ValidationError(problems)
    units = accounts[unit_col]
    unknown = sorted(set(units) - set(before.index) | set(units) - set(after.index))
    if unknown:
        raise ValidationError(
            [
                InputIssue(
                    "accounts",
                    f"unit(s) {', '.join(map(str, unknown[:5]))}",
                    "are in no plan.",
                    "give every unit a rep in both plans.",
                )
            ]
        )
    years = len(guarantee)
    kept = [float(kept_share)] * years if isinstance(kept_share, float | int) else list(kept_share)
    kept = (kept + [0.0] * years)[:years]
    rev = accounts[revenue_col].astype(float)
    old_rep = units.map(before)
    new_rep = units.map(after)
    reps = sorted(set(before) | set(after), key=str)
    moved = old_rep != new_rep
    r_before = rev.groupby(old_rep).sum().reindex(reps, fill_value=0.0)
    r_after = rev.groupby(new_rep).sum().reindex(reps, fill_value=0.0)
    r_lost = rev[moved].groupby(old_rep[moved]).sum().reindex(reps, fill_value=0.0)
    r_gained = rev[moved].groupby(new_rep[moved]).sum().reindex(reps, fill_value=0.0)
    if isinstance(fixed_salary, Mapping):
        fixed = pd.Series({r: float(fixed_salary.get(r, 0.0)) for r in reps})
    else:
        fixed = pd.Series(float(fixed_salary), index=reps)
    former = fixed + commission_rate * r_before
    rows = []
    for y in range(years):
        kept_comm = kept[y] * commission_rate * r_lost
        earned = fixed + commission_rate * r_after + kept_comm
        top_up = (guarantee[y] * former - earned).clip(lower=0.0)
        for r in reps:
            rows.append(
                {
                    "rep": r,
                    "year": y + 1,
                    "former_pay": former[r],
                    "revenue_before": r_before[r],
                    "revenue_after": r_after[r],
                    "revenue_lost": r_lost[r],
                    "revenue_gained": r_gained[r],
                    "earned": earned[r],
                    "kept_commission": kept_comm[r],
                    "top_up": top_up[r],
                    "paid": earned[r] + top_up[r],
                    "company_cost": kept_comm[r] + top_up[r],
                }
            )
    per_rep = pd.DataFrame(rows).set_index(["rep", "year"])
    per_year = per_rep.groupby(level="year")[["kept_commission", "top_up", "company_cost"]].sum()
    return PayImpact(per_rep, per_year, float(per_year["company_cost"].sum()))
