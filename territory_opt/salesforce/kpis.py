"""Objectives and KPIs per territory: SMART quotas, CRM actuals, dashboards.

The course's strategic part (the *plan d'action commercial*) steers drawn territories
with SMART objectives (specific, measurable, achievable, realistic, time-bound) and KPIs
such as revenue achieved vs planned, retention rate and new customers. This module:

* **objectives** -- :class:`Period` and :class:`Objective` (frozen, validated on
  construction);
* **quotas** -- :func:`allocate` splits a company total over territories in proportion to
  weights, within floors and caps (water-filling), rounded to a step with the
  largest-remainder method so that the quotas add up to the total *exactly* (in whole steps);
  :func:`quota_table` does it for an objective and an alignment, with potential, workload,
  any unit measure, or a blend as the basis; :func:`split_objective` turns the quotas into
  one objective per rep;
* **actuals** -- :func:`read_crm` / :func:`parse_crm` read and check account-level CRM
  exports; :func:`generate_crm_history` makes the seeded Normandy demo history;
* **KPIs** -- :func:`kpi_table` aggregates a history onto *any* alignment (account -> unit ->
  territory), so a director sees what each proposed territory would have achieved; or onto
  the CRM's own rep column (``by="crm_rep"``); :func:`compare_kpis` puts plans side by side;
* **outputs** -- :func:`rep_dashboard` / :func:`rep_dashboard_html`: a one-page,
  self-contained HTML dashboard per rep.

Money is in k€ throughout, like the units' ``potential``. All functions are pure: inputs are
never modified, and files are only written by :func:`rep_dashboard_html` (atomically, and
never over an existing file unless asked).

KPI definitions, for a period ``[start, end]`` (both days included) and an account with
first-order date ``f`` and lost date ``l`` (blank when none):

* at start: ``f < start`` and (no ``l`` or ``l >= start``);
* lost: at start and ``l <= end``; kept: at start and not lost;
* retention = kept / at start (the course's *taux de fidélisation*);
* new accounts: ``start <= f <= end``;
* growth = revenue / previous period's revenue - 1; penetration = revenue / potential;
* visits required = sum of the accounts' ``visits_per_year`` scaled to the period's length
  (the workload model's plan); coverage = visits done / visits required;
* below break-even: revenue < break-even revenue (``cost / margin rate``, per FTE).

Accounts of the account table without a CRM row count as never ordered (no revenue).
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..data.io import atomic_write_bytes
from ..exceptions import Problem, ValidationError
from ._crm import CRM_COLUMNS, CrmHistory, generate_crm_history, parse_crm, read_crm

__all__ = [
    "CRM_COLUMNS",
    "KPI_COLUMNS",
    "METRICS",
    "TOTAL",
    "CrmHistory",
    "Objective",
    "Period",
    "allocate",
    "compare_kpis",
    "generate_crm_history",
    "kpi_table",
    "parse_crm",
    "quota_table",
    "read_crm",
    "rep_dashboard",
    "rep_dashboard_html",
    "split_objective",
]

#: Metrics an objective can measure, with their unit and whether they add up over
#: territories (only additive metrics can be split into quotas).
METRICS: dict[str, tuple[str, bool]] = {
    "revenue": ("k€", True),
    "new_accounts": ("accounts", True),
    "visits": ("visits", True),
    "retention": ("ratio", False),
    "penetration": ("ratio", False),
}

#: KPI table columns: label and unit, for report headers.
KPI_COLUMNS: dict[str, tuple[str, str]] = {
    "rep_name": ("Rep", ""),
    "units": ("Units", "units"),
    "accounts": ("Accounts", "accounts"),
    "potential": ("Potential", "k€"),
    "target": ("Revenue target", "k€"),
    "revenue": ("Revenue", "k€"),
    "achievement": ("Revenue vs target", "ratio"),
    "revenue_previous": ("Revenue, previous period", "k€"),
    "growth": ("Growth", "ratio"),
    "accounts_at_start": ("Customers at start", "accounts"),
    "accounts_kept": ("Customers kept", "accounts"),
    "accounts_lost": ("Customers lost", "accounts"),
    "retention": ("Retention rate", "ratio"),
    "new_accounts": ("New customers", "accounts"),
    "new_accounts_target": ("New-customer target", "accounts"),
    "new_accounts_achievement": ("New customers vs target", "ratio"),
    "customers_at_end": ("Customers at end", "accounts"),
    "penetration": ("Penetration (revenue / potential)", "ratio"),
    "visits_required": ("Visits required", "visits"),
    "visits_done": ("Visits done", "visits"),
    "visit_coverage": ("Visits done vs required", "ratio"),
    "break_even": ("Break-even revenue", "k€"),
    "below_break_even": ("Below break-even", "flag"),
}

TOTAL = "TOTAL"


# --- objectives ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A time span, both days included, labelled as in the CRM columns (``revenue_<label>``).

    Parameters
    ----------
    label : str
        E.g. ``"2025"``.
    start, end : datetime.date
        First and last day.

    Raises
    ------
    ValidationError
        If the label is empty, a bound is not a date, or ``start > end``.
    """

    label: str
    start: date
    end: date

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        item = f"period {self.label!r}"
        if not isinstance(self.label, str) or not self.label.strip():
            problems.append(
                Problem(
                    "objective", item, "the period has no label.", "give a label such as '2025'."
                )
            )
        for name in ("start", "end"):
            if not isinstance(getattr(self, name), date):
                problems.append(
                    Problem(
                        "objective",
                        item,
                        f"{name} is {getattr(self, name)!r}, not a date.",
                        f"give {name} as datetime.date.",
                    )
                )
        if not problems and self.start > self.end:
            problems.append(
                Problem(
                    "objective",
                    item,
                    f"starts ({self.start}) after it ends ({self.end}).",
                    "swap or correct the dates.",
                )
            )
        if problems:
            raise ValidationError(problems)

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year ``year``, labelled ``str(year)``."""
        return cls(str(year), date(year, 1, 1), date(year, 12, 31))

    @property
    def days(self) -> int:
        """Number of days, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Objective:
    """A SMART objective: what (metric), how much (target), by when (period), who (owner).

    Parameters
    ----------
    name : str
        Specific wording, e.g. ``"Grow revenue 5 %"``.
    metric : str
        Measurable: one of :data:`METRICS` (``"revenue"``, ``"new_accounts"``, ``"visits"``,
        ``"retention"``, ``"penetration"``).
    target : float
        Target value (>= 0; ratios in [0, 1]).
    period : Period
        Time-bound: the period the target is for.
    owner : str, optional
        Rep id who owns it; ``None`` for a company objective.
    unit : str, optional
        Defaults to the metric's unit (k€ for revenue).
    description : str
        Actions, rationale (achievable, realistic), anything the owner should know.

    Raises
    ------
    ValidationError
        Listing every missing or bad field with its fix.
    """

    name: str
    metric: str
    target: float
    period: Period | None
    owner: str | None = None
    unit: str = ""
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        item = f"objective {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append(
                Problem(
                    "objective",
                    item,
                    "the objective has no name.",
                    "say specifically what is to be achieved.",
                )
            )
        if self.metric not in METRICS:
            problems.append(
                Problem(
                    "objective",
                    item,
                    f"metric {self.metric!r} cannot be measured.",
                    f"use one of {', '.join(METRICS)}.",
                )
            )
        t = self.target
        if (
            isinstance(t, bool)
            or not isinstance(t, int | float | np.integer | np.floating)
            or not math.isfinite(float(t))
        ):
            problems.append(
                Problem(
                    "objective",
                    item,
                    f"target is {t!r}, not a finite number.",
                    "give the target as a number.",
                )
            )
        elif t < 0:
            problems.append(
                Problem("objective", item, f"target is negative ({t}).", "give a target >= 0.")
            )
        elif self.metric in METRICS and METRICS[self.metric][0] == "ratio" and t > 1:
            problems.append(
                Problem(
                    "objective",
                    item,
                    f"target {t} is a ratio above 1.",
                    "give the ratio as a fraction, e.g. 0.9 for 90 %.",
                )
            )
        if self.period is None:
            problems.append(
                Problem(
                    "objective",
                    item,
                    "has no period: a SMART objective is time-bound.",
                    "give period=Period.year(2025) or Period(label, start, end).",
                )
            )
        elif not isinstance(self.period, Period):
            problems.append(
                Problem(
                    "objective",
                    item,
                    f"period is {self.period!r}, not a Period.",
                    "use Period(...).",
                )
            )
        if self.owner is not None and (not isinstance(self.owner, str) or not self.owner.strip()):
            problems.append(
                Problem(
                    "objective",
                    item,
                    "owner is blank.",
                    "give the owner's rep id, or None for the company.",
                )
            )
        if problems:
            raise ValidationError(problems)
        if not self.unit:
            object.__setattr__(self, "unit", METRICS[self.metric][0])


# --- quotas ---------------------------------------------------------------------------------


def _per_territory(
    value: float | Mapping[Hashable, float] | pd.Series | None,
    index: pd.Index,
    default: float,
    name: str,
) -> np.ndarray:
    if value is None:
        return np.full(len(index), default, dtype=float)
    if isinstance(value, int | float | np.integer | np.floating):
        return np.full(len(index), float(value), dtype=float)
    s = pd.Series(value, dtype=float) if not isinstance(value, pd.Series) else value.astype(float)
    extra = s.index.difference(index)
    if len(extra):
        raise ValidationError(
            [
                Problem(
                    "settings",
                    name,
                    f"names territories that have no weight: {_few(extra)}.",
                    "use the territories' ids.",
                )
            ]
        )
    return s.reindex(index).fillna(default).to_numpy(dtype=float)


def _few(items: Sequence[Any] | pd.Index, k: int = 5) -> str:
    items = list(items)
    head = ", ".join(str(i) for i in items[:k])
    return head + (f" and {len(items) - k} more" if len(items) > k else "")


def allocate(
    weights: pd.Series | Mapping[Hashable, float],
    total: float,
    *,
    floors: float | Mapping[Hashable, float] | pd.Series | None = None,
    caps: float | Mapping[Hashable, float] | pd.Series | None = None,
    step: float = 1.0,
) -> pd.Series:
    r"""Split ``total`` over territories in proportion to ``weights``, exactly, in whole steps.

    The continuous split is the water-filling solution
    :math:`x_t = \min(c_t, \max(f_t, \lambda w_t))` with :math:`\lambda` chosen so that
    :math:`\sum_t x_t = N` (everything in steps, :math:`N = \text{total}/\text{step}`):
    territories whose proportional share falls below their floor get the floor, those above
    their cap get the cap, the rest share what is left in proportion to their weights.
    Each :math:`x_t` is then rounded down and the :math:`N - \sum_t \lfloor x_t \rfloor`
    missing steps go to the largest fractional parts (Hamilton's largest-remainder method;
    ties: larger weight first, then order). Floors are rounded up and caps down to whole
    steps, so every quota is a multiple of ``step``, within its floor and cap, and the quotas
    sum to ``N`` steps exactly.

    Parameters
    ----------
    weights : Series or mapping
        Territory -> weight (>= 0), e.g. potential. If all are 0, equal weights are used.
    total : float
        Company objective; must be a whole number of ``step``.
    floors, caps : float, mapping or Series, optional
        Minimum and maximum quota, one number for all or per territory (missing: no bound).
    step : float
        Rounding unit (e.g. 1 for 1 k€ or one customer, 10 for 10 k€).

    Returns
    -------
    pandas.Series
        Territory -> quota (float, a multiple of ``step``), named ``quota``, in the order of
        ``weights``.

    Raises
    ------
    ValidationError
        Negative or non-finite weights, ``step <= 0``, ``total`` not a multiple of ``step``,
        a floor above its cap, floors summing above ``total`` or caps below it.

    Examples
    --------
    >>> allocate(pd.Series({"A": 7, "B": 5, "C": 3}), 100).tolist()
    [47.0, 33.0, 20.0]
    """
    w_s = (
        pd.Series(weights, dtype=float)
        if not isinstance(weights, pd.Series)
        else weights.astype(float)
    )
    units = _allocate_steps(w_s, total, floors=floors, caps=caps, step=step)[0]
    return pd.Series(units * float(step), index=w_s.index, name="quota")


def _allocate_steps(
    w_s: pd.Series,
    total: float,
    *,
    floors: float | Mapping[Hashable, float] | pd.Series | None,
    caps: float | Mapping[Hashable, float] | pd.Series | None,
    step: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Quotas in whole steps (int array), the continuous split, floors and caps (in steps)."""
    problems: list[Problem] = []
    w = w_s.to_numpy(dtype=float)
    if len(w) == 0:
        problems.append(
            Problem(
                "settings",
                "weights",
                "no territory to allocate to.",
                "give at least one territory.",
            )
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        bad = w_s.index[~np.isfinite(w) | (w < 0)]
        problems.append(
            Problem(
                "settings",
                "weights",
                f"negative or missing weights for {_few(bad)}.",
                "give weights >= 0.",
            )
        )
    if not (isinstance(step, int | float) and math.isfinite(step) and step > 0):
        problems.append(
            Problem("settings", "step", f"step is {step!r}.", "give a rounding step > 0, e.g. 1.")
        )
    if not (
        isinstance(total, int | float | np.integer | np.floating)
        and math.isfinite(total)
        and total >= 0
    ):
        problems.append(
            Problem("settings", "total", f"total is {total!r}.", "give a company objective >= 0.")
        )
    if problems:
        raise ValidationError(problems)
    n_steps = round(total / step)
    if abs(n_steps * step - total) > 1e-9 * max(1.0, abs(total)):
        raise ValidationError(
            [
                Problem(
                    "settings",
                    "total",
                    f"the objective {total} is not a whole number of steps of {step}.",
                    f"round the objective to a multiple of {step} (e.g. {n_steps * step:g}) or choose a step that divides it.",
                )
            ]
        )
    f = _per_territory(floors, w_s.index, 0.0, "floors")
    c = _per_territory(caps, w_s.index, math.inf, "caps")
    f_u = np.ceil(np.maximum(f, 0.0) / step - 1e-9)
    c_u = np.where(np.isinf(c), np.inf, np.floor(c / step + 1e-9))
    bad = f_u > c_u
    if bad.any():
        problems.append(
            Problem(
                "settings",
                "floors/caps",
                f"floor above cap (in whole steps) for {_few(w_s.index[bad])}.",
                "lower the floor or raise the cap.",
            )
        )
    if f_u.sum() > n_steps:
        problems.append(
            Problem(
                "settings",
                "floors",
                f"floors add up to {f_u.sum() * step:g}, above the objective {total:g}.",
                "lower the floors or raise the objective.",
            )
        )
    if c_u.sum() < n_steps:
        problems.append(
            Problem(
                "settings",
                "caps",
                f"caps add up to {c_u.sum() * step:g}, below the objective {total:g}.",
                "raise the caps or lower the objective.",
            )
        )
    if problems:
        raise ValidationError(problems)
    if not np.any(w > 0):
        w = np.ones_like(w)
    x = _water_fill(w, f_u, c_u, float(n_steps), w_s.index)
    base = np.clip(np.floor(x + 1e-9), f_u, c_u)
    frac = x - base
    missing = int(n_steps - base.sum())
    order_up = np.lexsort((np.arange(len(w)), -w, -frac))  # largest fraction, then weight
    while missing > 0:
        for i in order_up:
            if missing == 0:
                break
            if base[i] < c_u[i]:
                base[i] += 1
                missing -= 1
    order_down = np.lexsort((np.arange(len(w)), w, frac))
    while missing < 0:
        for i in order_down:
            if missing == 0:
                break
            if base[i] > f_u[i]:
                base[i] -= 1
                missing += 1
    return base.astype(np.int64), x, f_u, c_u


def _water_fill(
    w: np.ndarray, f: np.ndarray, c: np.ndarray, n: float, index: pd.Index
) -> np.ndarray:
    """``clip(lam * w, f, c)`` with the ``lam`` that makes it sum to ``n`` (exact, piecewise linear)."""
    pos = w > 0
    bps = {0.0}
    bps.update((f[pos] / w[pos]).tolist())
    fin = pos & np.isfinite(c)
    bps.update((c[fin] / w[fin]).tolist())
    lam = np.array(sorted(bps))
    vals = np.clip(lam[:, None] * w[None, :], f[None, :], c[None, :]).sum(axis=1)
    if n <= vals[-1]:
        k = int(np.searchsorted(vals, n, side="left"))
        if k == 0 or vals[k] == n:
            lam_star = float(lam[k])
        else:
            lam_star = float(
                lam[k - 1] + (n - vals[k - 1]) * (lam[k] - lam[k - 1]) / (vals[k] - vals[k - 1])
            )
    else:
        slope = float(w[pos & np.isinf(c)].sum())
        if slope == 0.0:
            stuck = index[~pos]
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        "caps",
                        f"the territories with a positive weight are all at their cap; the rest ({_few(stuck)}) "
                        "have weight 0 and keep their floor.",
                        "raise the caps, or give those territories a positive weight or a higher floor.",
                    )
                ]
            )
        lam_star = float(lam[-1] + (n - vals[-1]) / slope)
    return np.clip(lam_star * w, f, c)


def _assignment(alignment: Any) -> pd.Series:
    """Unit -> territory Series from an ``Alignment`` (``.assignment``) or a Series."""
    a = getattr(alignment, "assignment", alignment)
    if isinstance(a, Mapping) and not isinstance(a, pd.Series):
        a = pd.Series(a)
    if not isinstance(a, pd.Series):
        raise ValidationError(
            [
                Problem(
                    "alignment",
                    "-",
                    f"expected an Alignment or a Series unit -> rep, got {type(alignment).__name__}.",
                    "pass alignment.assignment or units['current_rep'].",
                )
            ]
        )
    if a.isna().any():
        raise ValidationError(
            [
                Problem(
                    "alignment",
                    f"units {_few(a.index[a.isna()])}",
                    "have no territory.",
                    "assign every unit to a rep.",
                )
            ]
        )
    return a


def _basis_weights(
    units: pd.DataFrame, assign: pd.Series, basis: str | Mapping[str, float], territories: pd.Index
) -> pd.DataFrame:
    """Per-territory basis columns and the combined ``weight`` (a share, summing to 1)."""
    spec: dict[str, float] = (
        {basis: 1.0} if isinstance(basis, str) else {str(k): float(v) for k, v in basis.items()}
    )
    problems: list[Problem] = []
    for col, bw in spec.items():
        if col not in units.columns:
            problems.append(
                Problem(
                    "units",
                    f"column {col!r}",
                    "is not in the units table.",
                    f"use one of {_few([c for c in units.columns if c != 'geometry'], 12)}.",
                )
            )
        if not math.isfinite(bw) or bw < 0:
            problems.append(
                Problem(
                    "settings",
                    "basis",
                    f"blend weight of {col!r} is {bw}.",
                    "give blend weights >= 0.",
                )
            )
    if not problems and sum(spec.values()) <= 0:
        problems.append(
            Problem(
                "settings",
                "basis",
                "blend weights add up to 0.",
                "give at least one positive blend weight.",
            )
        )
    if problems:
        raise ValidationError(problems)
    _check_units_covered(units, assign)
    out = pd.DataFrame(index=territories)
    weight = np.zeros(len(territories))
    total_bw = sum(spec.values())
    for col, bw in spec.items():
        by_t = pd.to_numeric(units[col], errors="coerce").groupby(assign.reindex(units.index)).sum()
        by_t = by_t.reindex(territories, fill_value=0.0).astype(float)
        if (by_t < 0).any() or by_t.isna().any():
            raise ValidationError(
                [
                    Problem(
                        "units",
                        f"column {col!r}",
                        "has negative or missing values.",
                        "give values >= 0.",
                    )
                ]
            )
        out[col] = by_t.to_numpy()
        s = by_t.sum()
        if s > 0:
            weight += (bw / total_bw) * by_t.to_numpy() / s
    out["weight"] = weight / weight.sum() if weight.sum() > 0 else weight
    return out


def _check_units_covered(units: pd.DataFrame, assign: pd.Series) -> None:
    missing = units.index.difference(assign.index)
    extra = assign.index.difference(units.index)
    problems = []
    if len(missing):
        problems.append(
            Problem(
                "alignment",
                f"units {_few(missing)}",
                f"{len(missing)} unit(s) of the units table have no territory.",
                "assign them.",
            )
        )
    if len(extra):
        problems.append(
            Problem(
                "alignment",
                f"units {_few(extra)}",
                f"{len(extra)} unit(s) of the alignment are not in the units table.",
                "drop them or use the matching units table.",
            )
        )
    if problems:
        raise ValidationError(problems)


def _territories(assign: pd.Series, reps: pd.DataFrame | None) -> pd.Index:
    seen = pd.Index(pd.unique(assign.to_numpy()))
    if reps is None:
        return pd.Index(sorted(seen, key=str))
    unknown = seen.difference(reps.index)
    if len(unknown):
        raise ValidationError(
            [
                Problem(
                    "alignment",
                    f"reps {_few(unknown)}",
                    "hold territories but are not in the reps table.",
                    "add them to reps or fix the alignment.",
                )
            ]
        )
    return pd.Index(reps.index)


def quota_table(
    objective: Objective,
    alignment: Any,
    units: pd.DataFrame,
    *,
    basis: str | Mapping[str, float] = "potential",
    floors: float | Mapping[Hashable, float] | pd.Series | None = None,
    caps: float | Mapping[Hashable, float] | pd.Series | None = None,
    step: float = 1.0,
    reps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split a company objective over the territories of an alignment.

    Parameters
    ----------
    objective : Objective
        Company objective of an additive metric (revenue, new accounts, visits).
    alignment : Alignment or pandas.Series
        Unit -> rep (an object with ``.assignment`` or the Series itself).
    units : pandas.DataFrame
        Indexed by unit id, holding the basis column(s). Not modified.
    basis : str or mapping
        A unit column (``"potential"``, ``"workload"``, ``"accounts"``...) or a blend
        ``{"potential": 0.7, "workload": 0.3}`` of the columns' shares.
    floors, caps, step
        See :func:`allocate`.
    reps : pandas.DataFrame, optional
        Reps table (index rep id, optional ``name``): fixes the territory order and gives
        reps without units a (zero-weight) line.

    Returns
    -------
    pandas.DataFrame
        Index territory; the basis column(s), ``weight`` (share, sums to 1), ``exact``
        (continuous split), ``floor``, ``cap``, ``quota`` (sums exactly to the target) and,
        for a revenue objective with potential, ``required_penetration`` = quota / potential
        (a quick achievability check).

    Raises
    ------
    ValidationError
        Non-additive metric, bad basis, units outside the alignment, infeasible floors/caps.
    """
    if not METRICS[objective.metric][1]:
        raise ValidationError(
            [
                Problem(
                    "objective",
                    f"objective {objective.name!r}",
                    f"metric {objective.metric!r} is a ratio and does not split over territories.",
                    "give each territory the company ratio as its own objective instead.",
                )
            ]
        )
    assign = _assignment(alignment)
    territories = _territories(assign, reps)
    table = _basis_weights(units, assign, basis, territories)
    units_steps, exact, f_u, c_u = _allocate_steps(
        table["weight"], float(objective.target), floors=floors, caps=caps, step=step
    )
    out = table.copy()
    out["exact"] = exact * step
    out["floor"] = f_u * step
    out["cap"] = c_u * step
    out["quota"] = units_steps * float(step)
    if objective.metric == "revenue" and "potential" in units.columns:
        pot = (
            pd.to_numeric(units["potential"])
            .groupby(assign.reindex(units.index))
            .sum()
            .reindex(territories, fill_value=0.0)
        )
        out["required_penetration"] = _ratio(out["quota"], pot)
    if reps is not None and "name" in reps.columns:
        out.insert(0, "rep_name", reps["name"].reindex(territories))
    out.index.name = "territory"
    return out


def split_objective(
    objective: Objective, quotas: pd.Series | pd.DataFrame
) -> dict[Hashable, Objective]:
    """One objective per territory, owned by its rep, with the quota as target.

    Parameters
    ----------
    objective : Objective
        The company objective.
    quotas : pandas.Series or pandas.DataFrame
        Territory -> quota, or a :func:`quota_table` (its ``quota`` column).

    Returns
    -------
    dict
        Territory id -> :class:`Objective` (same metric, period and description).
    """
    q = quotas["quota"] if isinstance(quotas, pd.DataFrame) else quotas
    return {
        t: replace(objective, name=f"{objective.name} - {t}", target=float(v), owner=str(t))
        for t, v in q.items()
    }


# --- KPIs ------------------------------------------------------------------------------------


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float).reindex(num.index)
    return (num / den.where(den > 0)).astype(float)


def _as_period(period: Period | str | int, history: CrmHistory, what: str) -> Period:
    if isinstance(period, Period):
        p = period
    else:
        label = str(period)
        if not (label.isdigit() and len(label) == 4):
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        what,
                        f"{label!r} is not a calendar year.",
                        "pass Period(label, start, end) for other periods.",
                    )
                ]
            )
        p = Period.year(int(label))
    if p.label not in history.periods:
        raise ValidationError(
            [
                Problem(
                    "settings",
                    what,
                    f"the CRM history has no column revenue_{p.label}.",
                    f"use one of its periods: {', '.join(history.periods)}.",
                )
            ]
        )
    return p


def _account_frame(
    history: CrmHistory, alignment: Any, accounts: pd.DataFrame, by: str
) -> pd.DataFrame:
    need = [c for c in ("account", "unit", "visits_per_year") if c not in accounts.columns]
    if need:
        raise ValidationError(
            [
                Problem(
                    "accounts", f"column {c!r}", "is missing from the account table.", f"add {c!r}."
                )
                for c in need
            ]
        )
    acc = accounts.assign(account=accounts["account"].astype(str))
    dup = acc["account"][acc["account"].duplicated()]
    if len(dup):
        raise ValidationError(
            [
                Problem(
                    "accounts",
                    f"accounts {_few(dup.unique())}",
                    "appear more than once.",
                    "keep one row per account.",
                )
            ]
        )
    unknown = history.table.index.difference(pd.Index(acc["account"]))
    if len(unknown):
        raise ValidationError(
            [
                Problem(
                    "crm",
                    f"accounts {_few(unknown)}",
                    f"{len(unknown)} account(s) of the CRM history are not in the account table.",
                    "read the export with accounts=... and on_error='exclude' to leave them out (reported), or add them.",
                )
            ]
        )
    crm = history.table.reindex(acc["account"].to_numpy())
    crm.index = acc.index
    crm = crm.rename(columns={c: f"{c}_crm" for c in crm.columns if c in acc.columns})
    frame = pd.concat([acc, crm], axis=1)
    if by == "territory":
        assign = _assignment(alignment)
        terr = acc["unit"].map(assign)
        if terr.isna().any():
            bad = acc["unit"][terr.isna()].unique()
            raise ValidationError(
                [
                    Problem(
                        "alignment",
                        f"units {_few(bad)}",
                        "hold accounts but have no territory.",
                        "assign every unit to a rep.",
                    )
                ]
            )
        frame["territory"] = terr.to_numpy()
    elif by == "crm_rep":
        frame["territory"] = frame["rep"].fillna("(no rep)").to_numpy()
    else:
        raise ValidationError(
            [Problem("settings", "by", f"unknown value {by!r}.", "use 'territory' or 'crm_rep'.")]
        )
    return frame


def kpi_table(
    history: CrmHistory,
    alignment: Any,
    accounts: pd.DataFrame,
    units: pd.DataFrame | None = None,
    *,
    period: Period | str | int,
    previous: Period | str | int | None = None,
    targets: pd.Series | pd.DataFrame | Mapping[Hashable, float] | None = None,
    break_even: float | pd.Series | Mapping[Hashable, float] | None = None,
    reps: pd.DataFrame | None = None,
    by: Literal["territory", "crm_rep"] = "territory",
    total: bool = False,
) -> pd.DataFrame:
    """KPIs per territory of an alignment (or per CRM rep) over one period.

    Parameters
    ----------
    history : CrmHistory
        From :func:`read_crm` / :func:`parse_crm`.
    alignment : Alignment or pandas.Series
        Unit -> rep; the current plan or a proposed one (ignored when ``by="crm_rep"``).
    accounts : pandas.DataFrame
        ``account``, ``unit``, ``visits_per_year`` (and ``potential`` when ``units`` is not
        given). Not modified.
    units : pandas.DataFrame, optional
        Indexed by unit id with ``potential`` (k€/year): territory potential and unit count.
        Without it, potential is the sum of the accounts' ``potential``.
    period : Period, str or int
        The period measured, e.g. ``2025`` (a 4-digit label means that calendar year).
    previous : Period, str or int, optional
        Period for growth; defaults to the CRM period listed just before ``period``.
    targets : Series, mapping or DataFrame, optional
        Territory -> revenue target (k€), or a DataFrame with columns ``revenue`` and/or
        ``new_accounts`` (e.g. :func:`quota_table` results).
    break_even : float, Series or mapping, optional
        Break-even revenue (k€): one number per full-time rep (scaled by the rep's ``fte``
        when ``reps`` has it), or per territory. E.g. ``cost / margin_rate``.
    reps : pandas.DataFrame, optional
        Index rep id; ``name`` and ``fte`` used when present; fixes the row order.
    by : {"territory", "crm_rep"}
        Group by the alignment's territories, or by the rep recorded in the CRM.
    total : bool
        Append a ``TOTAL`` row (sums; ratios recomputed from the sums).

    Returns
    -------
    pandas.DataFrame
        One row per territory; columns among :data:`KPI_COLUMNS` (target and break-even
        columns only when given). Ratios are fractions (0.95 = 95 %); a ratio with a zero
        denominator is NaN.

    Raises
    ------
    ValidationError
        Unknown period, CRM accounts missing from the account table, units without territory.
    """
    p = _as_period(period, history, "period")
    if previous is None:
        k = history.periods.index(p.label)
        prev_label: str | None = history.periods[k - 1] if k > 0 else None
    else:
        prev_label = _as_period(previous, history, "previous").label
    frame = _account_frame(history, alignment, accounts, by)
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    f, lo = frame["first_order"], frame["lost"]
    at_start = f.notna() & (f < start) & (lo.isna() | (lo >= start))
    lost = at_start & lo.notna() & (lo <= end)
    new = f.notna() & (f >= start) & (f <= end)
    at_end = (at_start & ~lost) | (new & (lo.isna() | (lo > end)))
    rev = frame[f"revenue_{p.label}"].fillna(0.0)
    work = pd.DataFrame(
        {
            "territory": frame["territory"],
            "accounts": 1,
            "revenue": rev,
            "revenue_previous": frame[f"revenue_{prev_label}"].fillna(0.0)
            if prev_label
            else np.nan,
            "accounts_at_start": at_start.astype(int),
            "accounts_kept": (at_start & ~lost).astype(int),
            "accounts_lost": lost.astype(int),
            "new_accounts": new.astype(int),
            "customers_at_end": at_end.astype(int),
            "visits_required": frame["visits_per_year"].astype(float) * p.days / _year_days(p),
            "visits_done": frame.get(
                f"visits_{p.label}", pd.Series(np.nan, index=frame.index)
            ).astype(float),
            "acc_potential": pd.to_numeric(frame["potential"], errors="coerce")
            if "potential" in frame
            else np.nan,
        }
    )
    sums = work.groupby("territory").sum(min_count=1)
    if by == "territory":
        assign = _assignment(alignment)
        index = _territories(assign, reps)
    else:
        index = (
            pd.Index(sorted(sums.index, key=str))
            if reps is None
            else pd.Index(reps.index).union(sums.index, sort=False)
        )
    sums = sums.reindex(index)
    count_cols = [
        "accounts",
        "accounts_at_start",
        "accounts_kept",
        "accounts_lost",
        "new_accounts",
        "customers_at_end",
    ]
    sums[count_cols] = sums[count_cols].fillna(0).astype("int64")
    sums["revenue"] = sums["revenue"].fillna(0.0)

    out = pd.DataFrame(index=index)
    if reps is not None and "name" in reps.columns:
        out["rep_name"] = reps["name"].reindex(index)
    if by == "territory" and units is not None:
        assign = _assignment(alignment)
        _check_units_covered(units, assign)
        grp = assign.reindex(units.index)
        out["units"] = grp.value_counts().reindex(index, fill_value=0).astype("int64")
        out["potential"] = (
            pd.to_numeric(units["potential"]).groupby(grp).sum().reindex(index, fill_value=0.0)
        )
    else:
        out["potential"] = sums["acc_potential"].fillna(0.0)
    out["accounts"] = sums["accounts"]
    tgt = _targets(targets, index)
    if "revenue" in tgt:
        out["target"] = tgt["revenue"]
    out["revenue"] = sums["revenue"]
    out["revenue_previous"] = sums["revenue_previous"]
    for c in count_cols[1:]:
        out[c] = sums[c]
    if "new_accounts" in tgt:
        out["new_accounts_target"] = tgt["new_accounts"]
    out["visits_required"] = sums["visits_required"].fillna(0.0)
    out["visits_done"] = sums["visits_done"]
    if break_even is not None:
        if isinstance(break_even, int | float | np.integer | np.floating):
            fte = (
                reps["fte"].reindex(index).astype(float)
                if reps is not None and "fte" in reps.columns
                else 1.0
            )
            out["break_even"] = float(break_even) * fte
        else:
            out["break_even"] = pd.Series(break_even, dtype=float).reindex(index)
    if total:
        tot = out.drop(columns=[c for c in ("rep_name",) if c in out]).sum(min_count=1)
        out.loc[TOTAL] = tot
        if "rep_name" in out:
            out.loc[TOTAL, "rep_name"] = ""
    out = _add_ratios(out)
    out.index.name = "territory" if by == "territory" else "crm_rep"
    order = [c for c in KPI_COLUMNS if c in out.columns]
    return out[order]


def _year_days(p: Period) -> int:
    """Days of the year ``visits_per_year`` refers to (the period's start year)."""
    y = p.start.year
    return (date(y, 12, 31) - date(y, 1, 1)).days + 1


def _targets(
    targets: pd.Series | pd.DataFrame | Mapping[Hashable, float] | None, index: pd.Index
) -> dict[str, pd.Series]:
    if targets is None:
        return {}
    if isinstance(targets, pd.DataFrame):
        cols = {c: targets[c] for c in ("revenue", "new_accounts") if c in targets.columns}
        if not cols:
            raise ValidationError(
                [
                    Problem(
                        "settings",
                        "targets",
                        "the targets table has no 'revenue' or 'new_accounts' column.",
                        "name the target columns by metric.",
                    )
                ]
            )
        return {k: v.astype(float).reindex(index) for k, v in cols.items()}
    return {"revenue": pd.Series(targets, dtype=float).reindex(index)}


def _add_ratios(out: pd.DataFrame) -> pd.DataFrame:
    out = out.copy()
    if "target" in out:
        out["achievement"] = _ratio(out["revenue"], out["target"])
    out["growth"] = _ratio(out["revenue"], out["revenue_previous"]) - 1.0
    out["retention"] = _ratio(out["accounts_kept"], out["accounts_at_start"])
    if "new_accounts_target" in out:
        out["new_accounts_achievement"] = _ratio(out["new_accounts"], out["new_accounts_target"])
    out["penetration"] = _ratio(out["revenue"], out["potential"])
    out["visit_coverage"] = _ratio(out["visits_done"], out["visits_required"])
    if "break_even" in out:
        out["below_break_even"] = (
            (out["revenue"] < out["break_even"])
            .where(out["break_even"].notna(), False)
            .astype(bool)
        )
    return out


def compare_kpis(
    tables: Mapping[str, pd.DataFrame], columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """KPI tables of several plans side by side.

    Parameters
    ----------
    tables : mapping
        Plan name -> :func:`kpi_table` result, e.g. ``{"current": k0, "proposed": k1}``.
    columns : sequence of str, optional
        KPI columns to keep (default: all numeric ones common to every table).

    Returns
    -------
    pandas.DataFrame
        Columns MultiIndex ``(kpi, plan)``, rows the union of territories.
    """
    names = list(tables)
    if columns is None:
        common = [
            c
            for c in next(iter(tables.values())).columns
            if all(c in t.columns for t in tables.values())
        ]
        columns = [c for c in common if c != "rep_name"]
    wide = pd.concat({n: tables[n][list(columns)] for n in names}, axis=1)
    wide = wide.swaplevel(0, 1, axis=1)
    return wide.reindex(
        columns=pd.MultiIndex.from_product([list(columns), names], names=["kpi", "plan"])
    )


# --- dashboard --------------------------------------------------------------------------------


def _fmt(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "n/a"
    if unit == "ratio":
        return f"{100 * float(value):.1f} %"
    if unit == "flag":
        return "yes" if bool(value) else "no"
    if unit == "k€":
        return f"{float(value):,.1f} k€".replace(",", "\u202f")
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        return f"{float(value):,.1f}".replace(",", "\u202f")
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{int(value):,}".replace(",", "\u202f")
    return str(value)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:24px;color:#1f2933;max-width:960px}
h1{font-size:22px;margin:0 0 4px} .sub{color:#616e7c;margin:0 0 18px}
.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.card{border:1px solid #d9e2ec;border-radius:8px;padding:12px}
.card h2{font-size:13px;font-weight:600;color:#616e7c;margin:0 0 6px;text-transform:uppercase;letter-spacing:.04em}
.v{font-size:24px;font-weight:700} .n{font-size:12px;color:#616e7c;margin-top:4px}
.bar{height:8px;background:#e4e7eb;border-radius:4px;margin-top:8px;overflow:hidden}
.bar span{display:block;height:100%;background:#2f80ed}
.good .v{color:#1e7d32} .bad .v{color:#c62828}
.alert{background:#fdecea;border:1px solid #c62828;color:#8e1c1c;padding:10px;border-radius:8px;margin-bottom:12px}
table{border-collapse:collapse;margin-top:18px;font-size:13px;width:100%}
td,th{border-bottom:1px solid #e4e7eb;padding:4px 8px;text-align:right} td:first-child,th:first-child{text-align:left}
footer{margin-top:18px;font-size:11px;color:#9aa5b1}
@media print{body{margin:0}.card{break-inside:avoid}}
"""


def rep_dashboard(
    kpis: pd.DataFrame, rep: Hashable, *, title: str | None = None, subtitle: str = ""
) -> str:
    """A one-page, self-contained HTML dashboard (inline CSS, no external assets) for one rep.

    Parameters
    ----------
    kpis : pandas.DataFrame
        A :func:`kpi_table` result (a ``TOTAL`` row, if any, is ignored for the team median).
    rep : hashable
        Territory / rep id (a row of ``kpis``).
    title : str, optional
        Heading; defaults to ``"<rep name> (<rep>): sales KPIs"``.
    subtitle : str
        Second line, e.g. ``"2025, proposed alignment"``.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ValidationError
        If ``rep`` is not a row of ``kpis``.
    """
    if rep not in kpis.index:
        raise ValidationError(
            [
                Problem(
                    "settings",
                    f"rep {rep!r}",
                    "is not a row of the KPI table.",
                    f"use one of {_few(kpis.index)}.",
                )
            ]
        )
    row = kpis.loc[rep]
    team = kpis.drop(index=[TOTAL], errors="ignore")
    name = str(row.get("rep_name", "") or "")
    heading = title or (f"{name} ({rep}): sales KPIs" if name else f"{rep}: sales KPIs")

    def median(col: str) -> str:
        if col not in team:
            return "n/a"
        return _fmt(float(pd.to_numeric(team[col], errors="coerce").median()), KPI_COLUMNS[col][1])

    def card(
        label: str, col: str, note: str, bar: float | None = None, good: bool | None = None
    ) -> str:
        val = row.get(col, np.nan)
        cls = "" if good is None else (" good" if good else " bad")
        bar_html = ""
        if bar is not None and math.isfinite(bar):
            bar_html = f'<div class="bar"><span style="width:{max(0.0, min(bar, 1.0)) * 100:.0f}%"></span></div>'
        return (
            f'<div class="card{cls}"><h2>{html.escape(label)}</h2>'
            f'<div class="v">{html.escape(_fmt(val, KPI_COLUMNS[col][1]))}</div>{bar_html}'
            f'<div class="n">{html.escape(note)}</div></div>'
        )

    def num(col: str) -> float:
        v = row.get(col, np.nan)
        try:
            return float(v)
        except (TypeError, ValueError):
            return math.nan

    cards = []
    if "achievement" in row:
        ach = num("achievement")
        cards.append(
            card(
                "Revenue vs target",
                "achievement",
                f"{_fmt(num('revenue'), 'k€')} of {_fmt(num('target'), 'k€')}; team median {median('achievement')}",
                bar=ach,
                good=None if math.isnan(ach) else ach >= 1.0,
            )
        )
    else:
        cards.append(card("Revenue", "revenue", f"team median {median('revenue')}"))
    g = num("growth")
    cards.append(
        card(
            "Growth",
            "growth",
            f"previous period {_fmt(num('revenue_previous'), 'k€')}; team median {median('growth')}",
            good=None if math.isnan(g) else g >= 0,
        )
    )
    cards.append(
        card(
            "Retention rate",
            "retention",
            f"{_fmt(num('accounts_kept'), '')} kept of {_fmt(num('accounts_at_start'), '')} customers at start; team median {median('retention')}",
            bar=num("retention"),
        )
    )
    nt = (
        f" of {_fmt(num('new_accounts_target'), '')} targeted"
        if "new_accounts_target" in row
        else ""
    )
    cards.append(
        card(
            "New customers",
            "new_accounts",
            f"won in the period{nt}; team median {median('new_accounts')}",
        )
    )
    cards.append(
        card(
            "Penetration",
            "penetration",
            f"revenue / potential {_fmt(num('potential'), 'k€')}; team median {median('penetration')}",
            bar=num("penetration"),
        )
    )
    vc = num("visit_coverage")
    cards.append(
        card(
            "Visits done vs required",
            "visit_coverage",
            f"{_fmt(num('visits_done'), '')} of {_fmt(num('visits_required'), '')}; team median {median('visit_coverage')}",
            bar=vc,
            good=None if math.isnan(vc) else vc >= 0.9,
        )
    )
    alert = ""
    if bool(row.get("below_break_even", False)):
        alert = (
            f'<div class="alert"><strong>Below break-even:</strong> revenue {html.escape(_fmt(num("revenue"), "k€"))} '
            f"is under the break-even revenue {html.escape(_fmt(num('break_even'), 'k€'))}.</div>"
        )
    rows_html = "".join(
        f"<tr><td>{html.escape(KPI_COLUMNS[c][0])}</td><td>{html.escape(_fmt(row[c], KPI_COLUMNS[c][1]))}</td>"
        f"<td>{html.escape(median(c)) if c != 'rep_name' and KPI_COLUMNS[c][1] != 'flag' else ''}</td></tr>"
        for c in kpis.columns
        if c in KPI_COLUMNS and c != "rep_name"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{html.escape(heading)}</h1><p class="sub">{html.escape(subtitle)}</p>{alert}'
        f'<div class="grid">{"".join(cards)}</div>'
        f"<table><thead><tr><th>KPI</th><th>{html.escape(str(rep))}</th><th>team median</th></tr></thead>"
        f"<tbody>{rows_html}</tbody></table>"
        "<footer>Generated by territory_opt. Money in k€; ratios are of the period shown.</footer>"
        "</body></html>\n"
    )


def rep_dashboard_html(
    kpis: pd.DataFrame,
    rep: Hashable,
    path: str | Path,
    *,
    overwrite: bool = False,
    title: str | None = None,
    subtitle: str = "",
) -> Path:
    """Write :func:`rep_dashboard` to ``path`` atomically (temporary file + rename).

    Parameters
    ----------
    kpis, rep, title, subtitle
        See :func:`rep_dashboard`.
    path : path-like
        Target ``.html``/``.htm`` file.
    overwrite : bool
        Replace an existing file (only ever an ``.html``/``.htm`` one). Default: refuse.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    ValidationError
        If ``path`` does not end in ``.html``/``.htm`` (protects CSV/XLSX inputs).
    """
    target = Path(path)
    if target.suffix.lower() not in {".html", ".htm"}:
        raise ValidationError(
            [
                Problem(
                    "settings",
                    f"path {target.name}",
                    "is not an .html file; refusing to write it.",
                    "give a path ending in .html.",
                )
            ]
        )
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it.")
    text = rep_dashboard(kpis, rep, title=title, subtitle=subtitle)
    atomic_write_bytes(target, text.encode("utf-8"))
    return target
