"""KPIs per territory of any alignment (or per CRM rep) over a period, and plans side by side.

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

from collections.abc import Hashable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._input_checks import _few
from ._territory_frame import _assignment, _check_units_covered, _ratio, _territories
from .crm_export import CrmHistory
from .smart_objectives import Period

__all__ = [
    "KPI_COLUMNS",
    "TOTAL",
    "compare_kpis",
    "kpi_table",
]


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


def _as_period(period: Period | str | int, history: CrmHistory, what: str) -> Period:
    if isinstance(period, Period):
        p = period
    else:
        label = str(period)
        if not (label.isdigit() and len(label) == 4):
            raise ValidationError(
                [
                    InputIssue(
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
                InputIssue(
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
                InputIssue(
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
                InputIssue(
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
                InputIssue(
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
                    InputIssue(
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
            [
                InputIssue(
                    "settings", "by", f"unknown value {by!r}.", "use 'territory' or 'crm_rep'."
                )
            ]
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
    prev_label = _previous_label(history, p, previous)
    frame = _account_frame(history, alignment, accounts, by)
    work = _account_kpis(frame, p, prev_label)
    sums = work.groupby("territory").sum(min_count=1)
    index = _row_index(sums.index, alignment, reps, by)
    sums = _fill_sums(sums.reindex(index))
    out = _territory_columns(sums, alignment, units, reps, by)
    out = _summed_columns(out, sums, _targets(targets, index))
    if break_even is not None:
        out["break_even"] = _break_even(break_even, reps, index)
    if total:
        out = _with_total(out)
    out = _add_ratios(out)
    out.index.name = "territory" if by == "territory" else "crm_rep"
    order = [c for c in KPI_COLUMNS if c in out.columns]
    return out[order]


#: Count columns of the per-account KPI frame (summed as integers per territory).
_COUNT_COLUMNS = [
    "accounts",
    "accounts_at_start",
    "accounts_kept",
    "accounts_lost",
    "new_accounts",
    "customers_at_end",
]


def _previous_label(
    history: CrmHistory, p: Period, previous: Period | str | int | None
) -> str | None:
    """Label of the growth period: ``previous``, else the CRM period before ``p`` (or None)."""
    if previous is None:
        k = history.periods.index(p.label)
        return history.periods[k - 1] if k > 0 else None
    return _as_period(previous, history, "previous").label


def _account_kpis(frame: pd.DataFrame, p: Period, prev_label: str | None) -> pd.DataFrame:
    """One row per account: its territory and its contribution to each summed KPI."""
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    f, lo = frame["first_order"], frame["lost"]
    at_start = f.notna() & (f < start) & (lo.isna() | (lo >= start))
    lost = at_start & lo.notna() & (lo <= end)
    new = f.notna() & (f >= start) & (f <= end)
    at_end = (at_start & ~lost) | (new & (lo.isna() | (lo > end)))
    rev = frame[f"revenue_{p.label}"].fillna(0.0)
    return pd.DataFrame(
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


def _row_index(found: pd.Index, alignment: Any, reps: pd.DataFrame | None, by: str) -> pd.Index:
    """Rows of the KPI table: the alignment's territories, or the CRM reps ``found`` (sorted)."""
    if by == "territory":
        return _territories(_assignment(alignment), reps)
    return (
        pd.Index(sorted(found, key=str))
        if reps is None
        else pd.Index(reps.index).union(found, sort=False)
    )


def _fill_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """Summed KPIs with rows that have no account filled: counts 0 (int64), revenue 0."""
    sums = sums.copy()
    sums[_COUNT_COLUMNS] = sums[_COUNT_COLUMNS].fillna(0).astype("int64")
    sums["revenue"] = sums["revenue"].fillna(0.0)
    return sums


def _territory_columns(
    sums: pd.DataFrame,
    alignment: Any,
    units: pd.DataFrame | None,
    reps: pd.DataFrame | None,
    by: str,
) -> pd.DataFrame:
    """Rep name, unit count and potential per row (potential from the units when given)."""
    index = sums.index
    out = pd.DataFrame(index=index)
    if reps is not None and "name" in reps.columns:
        out["rep_name"] = reps["name"].reindex(index)
    if by == "territory" and units is not None:
        out["units"], out["potential"] = _unit_counts_and_potential(units, alignment, index)
    else:
        out["potential"] = sums["acc_potential"].fillna(0.0)
    return out


def _summed_columns(
    out: pd.DataFrame, sums: pd.DataFrame, tgt: dict[str, pd.Series]
) -> pd.DataFrame:
    """``out`` with the account counts, revenue, visits and their targets (when given)."""
    out = out.copy()
    out["accounts"] = sums["accounts"]
    if "revenue" in tgt:
        out["target"] = tgt["revenue"]
    out["revenue"] = sums["revenue"]
    out["revenue_previous"] = sums["revenue_previous"]
    for c in _COUNT_COLUMNS[1:]:
        out[c] = sums[c]
    if "new_accounts" in tgt:
        out["new_accounts_target"] = tgt["new_accounts"]
    out["visits_required"] = sums["visits_required"].fillna(0.0)
    out["visits_done"] = sums["visits_done"]
    return out


def _unit_counts_and_potential(
    units: pd.DataFrame, alignment: Any, index: pd.Index
) -> tuple[pd.Series, pd.Series]:
    """Units and summed unit ``potential`` per territory of the alignment."""
    assign = _assignment(alignment)
    _check_units_covered(units, assign)
    grp = assign.reindex(units.index)
    count = grp.value_counts().reindex(index, fill_value=0).astype("int64")
    potential = pd.to_numeric(units["potential"]).groupby(grp).sum().reindex(index, fill_value=0.0)
    return count, potential


def _break_even(
    break_even: float | pd.Series | Mapping[Hashable, float],
    reps: pd.DataFrame | None,
    index: pd.Index,
) -> pd.Series | float:
    """Break-even revenue per row: one number scaled by the reps' FTE, or given per territory."""
    if isinstance(break_even, int | float | np.integer | np.floating):
        fte = (
            reps["fte"].reindex(index).astype(float)
            if reps is not None and "fte" in reps.columns
            else 1.0
        )
        return float(break_even) * fte
    return pd.Series(break_even, dtype=float).reindex(index)


def _with_total(out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with a ``TOTAL`` row of column sums (blank rep name)."""
    out = out.copy()
    tot = out.drop(columns=[c for c in ("rep_name",) if c in out]).sum(min_count=1)
    out.loc[TOTAL] = tot
    if "rep_name" in out:
        out.loc[TOTAL, "rep_name"] = ""
    return out


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
                    InputIssue(
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
