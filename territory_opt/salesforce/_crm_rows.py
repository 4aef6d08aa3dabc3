"""Row checks of a CRM export: cell cleaning and the problems grouped with their fixes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..exceptions import InputIssue

_MAX_LISTED = 5


_EXCLUSION_COLUMNS = ["row", "account", "column", "value", "reason"]


Issue = tuple[int, str, object, str]  # (position, column, value, reason)


def _id_issues(
    df: pd.DataFrame,
    acc: pd.Series,
    rep: pd.Series,
    accounts: pd.DataFrame | pd.Series | None,
    reps: pd.DataFrame | pd.Index | None,
) -> list[Issue]:
    """Blank or unknown account ids, unknown reps."""
    issues: list[Issue] = []
    for k in np.flatnonzero(acc.isna().to_numpy()):
        issues.append((int(k), "account", df["account"].iloc[k], "blank account id"))
    if accounts is not None:
        known = accounts["account"] if isinstance(accounts, pd.DataFrame) else accounts
        known_set = {str(a) for a in pd.Series(known).dropna()}
        unknown = acc.notna() & ~acc.isin(known_set)
        for k in np.flatnonzero(unknown.to_numpy()):
            issues.append((int(k), "account", acc.iloc[k], "account not in the account table"))
    if reps is not None:
        known_reps = {str(r) for r in (reps.index if isinstance(reps, pd.DataFrame) else reps)}
        bad = rep.notna() & ~rep.isin(known_reps)
        for k in np.flatnonzero(bad.to_numpy()):
            issues.append((int(k), "rep", rep.iloc[k], "unknown rep"))
    return issues


def _parse_dates(
    df: pd.DataFrame, date_format: str | None, cutoff: pd.Timestamp
) -> tuple[dict[str, pd.Series], list[Issue]]:
    """``first_order`` and ``lost`` as dates, and their problems."""
    issues: list[Issue] = []
    dates: dict[str, pd.Series] = {}
    for col in ("first_order", "lost"):
        raw = df[col]
        blank = raw.map(_is_blank).astype(bool)
        parsed = (
            pd.to_datetime(raw.where(~blank), format=date_format or "ISO8601", errors="coerce")
            .dt.normalize()
            .astype("datetime64[ns]")
        )
        expected = date_format or "YYYY-MM-DD"
        for k in np.flatnonzero((parsed.isna() & ~blank).to_numpy()):
            issues.append((int(k), col, raw.iloc[k], f"not a date (expected {expected})"))
        for k in np.flatnonzero((parsed > cutoff).to_numpy()):
            issues.append((int(k), col, raw.iloc[k], f"date after the export date {cutoff.date()}"))
        dates[col] = parsed
    both = (
        dates["lost"].notna()
        & dates["first_order"].notna()
        & (dates["lost"] < dates["first_order"])
    )
    for k in np.flatnonzero(both.to_numpy()):
        issues.append((int(k), "lost", df["lost"].iloc[k], "lost before the first order"))
    orphan = dates["lost"].notna() & df["first_order"].map(_is_blank).astype(bool)
    for k in np.flatnonzero(orphan.to_numpy()):
        issues.append((int(k), "lost", df["lost"].iloc[k], "lost date without a first order"))
    return dates, issues


def _parse_numbers(
    df: pd.DataFrame, rev_cols: list[str], vis_cols: list[str], decimal: str
) -> tuple[dict[str, pd.Series], list[Issue]]:
    """Revenue and visits columns as floats (blank: 0), and their problems."""
    issues: list[Issue] = []
    numbers: dict[str, pd.Series] = {}
    for col in rev_cols + vis_cols:
        raw = df[col]
        blank = raw.map(_is_blank).astype(bool)
        text = raw.where(~blank)
        if decimal != ".":
            text = text.map(lambda v: _decimal_text(v, decimal))
        values = pd.to_numeric(text, errors="coerce").astype(float)
        what = "revenue" if col in rev_cols else "visits"
        not_num = (values.isna() & ~blank) | ~np.isfinite(values.fillna(0.0))
        for k in np.flatnonzero(not_num.to_numpy()):
            issues.append((int(k), col, raw.iloc[k], f"{what} is not a finite number"))
        for k in np.flatnonzero((values < 0).to_numpy()):
            issues.append((int(k), col, raw.iloc[k], f"negative {what}"))
        numbers[col] = values.fillna(0.0)
    return numbers, issues


def _duplicate_issues(
    acc: pd.Series, issues: list[Issue], *, exclude: bool, row_labels: list[str]
) -> list[Issue]:
    """Repeated accounts; when excluding, a row already at fault is not the first copy."""
    faulty = {k for k, *_ in issues}
    first_seen: dict[str, int] = {}
    out: list[Issue] = []
    for pos, a in enumerate(acc.tolist()):
        if _is_blank(a) or (pos in faulty and exclude):
            continue
        if a in first_seen:
            out.append(
                (pos, "account", a, f"duplicate account (also on {row_labels[first_seen[a]]})")
            )
        else:
            first_seen[a] = pos
    return out


def _exclusion_table(issues: list[Issue], acc: pd.Series, row_labels: list[str]) -> pd.DataFrame:
    """One line per problem, by row: ``row``, ``account``, ``column``, ``value``, ``reason``."""
    return pd.DataFrame(
        [
            {
                "row": row_labels[k],
                "account": _as_text(acc.iloc[k]),
                "column": c,
                "value": _as_text(v),
                "reason": r,
            }
            for k, c, v, r in sorted(issues, key=lambda t: t[0])
        ],
        columns=_EXCLUSION_COLUMNS,
    )


def _group_problems(exclusions: pd.DataFrame) -> list[InputIssue]:
    fixes = {
        "blank account id": "fill in the account id or remove the row.",
        "account not in the account table": "correct the id, add the account to the account table, "
        "or pass on_error='exclude' to leave the row out (it is then reported).",
        "unknown rep": "correct the rep id or add the rep to the reps table.",
        "date after the export date": "correct the date, or pass the export's date as as_of.",
        "lost before the first order": "correct one of the two dates.",
        "lost date without a first order": "fill in first_order or clear the lost date.",
        "duplicate account": "keep one row per account (sum the revenues if the CRM split them).",
        "negative": "correct the value; credit notes must be netted into the period's revenue (>= 0).",
        "is not a finite number": "write a number (k€), e.g. 12.5; pass decimal=',' for French exports.",
        "not a date": "write dates as YYYY-MM-DD, or pass date_format (e.g. '%d/%m/%Y').",
    }
    problems: list[InputIssue] = []
    for (col, reason), grp in exclusions.groupby(
        ["column", exclusions["reason"].str.replace(r" \(also on .*\)$", "", regex=True)],
        sort=False,
    ):
        shown = [
            f"{r} ({a}: {v!r})" if reason != "blank account id" else str(r)
            for r, a, v in zip(
                grp["row"][:_MAX_LISTED],
                grp["account"][:_MAX_LISTED],
                grp["value"][:_MAX_LISTED],
                strict=True,
            )
        ]
        more = f" and {len(grp) - _MAX_LISTED} more" if len(grp) > _MAX_LISTED else ""
        fix = next((f for key, f in fixes.items() if key in str(reason)), "correct the value.")
        problems.append(
            InputIssue(
                "crm",
                f"column {col!r}",
                f"{reason}: {len(grp)} row(s): {', '.join(shown)}{more}.",
                fix,
            )
        )
    return problems


def _decimal_text(v: object, decimal: str) -> object:
    if not isinstance(v, str):
        return v
    for space in (" ", "\u00a0", "\u202f"):
        v = v.replace(space, "")
    return v.replace(decimal, ".")


def _is_blank(v: object) -> bool:
    if v is None or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _clean_id(v: object) -> str | None:
    if _is_blank(v):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _as_text(v: object) -> str:
    return "" if _is_blank(v) else str(v)
