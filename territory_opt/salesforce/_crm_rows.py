"""Row checks of a CRM export: cell cleaning and the problems grouped with their fixes."""

from __future__ import annotations

import math

import pandas as pd

from ..exceptions import Problem

_MAX_LISTED = 5


_EXCLUSION_COLUMNS = ["row", "account", "column", "value", "reason"]


def _group_problems(exclusions: pd.DataFrame) -> list[Problem]:
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
    problems: list[Problem] = []
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
            Problem(
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
