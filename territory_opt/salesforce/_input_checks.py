"""Input checks shared by the sales-force methods: numbers, columns, short lists of ids."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputIssue, ValidationError

_EPS = 1e-9


def _is_bad_number(value: object) -> bool:
    """True when ``value`` is not a finite real number (bools are rejected too)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return True
    return not math.isfinite(float(value))


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    """Raise one ValidationError naming every column of ``columns`` missing in ``frame``."""
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(
            [
                InputIssue(
                    where,
                    "-",
                    f"expected a pandas DataFrame, got {type(frame).__name__}.",
                    "pass a DataFrame (e.g. pandas.read_csv(...)).",
                )
            ]
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(repr(str(c)) for c in frame.columns) or "none"
        raise ValidationError(
            [
                InputIssue(
                    where,
                    f"column {c!r}",
                    f"is not in the table (columns: {available}).",
                    f"add a column {c!r} or pass the name of the column that holds it.",
                )
                for c in missing
            ]
        )


def _numeric_problems(
    frame: pd.DataFrame,
    columns: Sequence[str],
    where: str,
    *,
    allow_zero: bool = True,
    max_listed: int = 5,
) -> list[InputIssue]:
    """Problems for non-numeric, missing, infinite or negative values in ``columns``."""
    problems: list[InputIssue] = []
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce").astype(float)
        bad_type = values.isna() | ~np.isfinite(values.to_numpy())
        if bad_type.any():
            rows = [str(r) for r in frame.index[bad_type.to_numpy()][:max_listed]]
            problems.append(
                InputIssue(
                    where,
                    f"column {col!r}",
                    f"{int(bad_type.sum())} value(s) are missing or not finite numbers "
                    f"(rows {', '.join(rows)}{', ...' if bad_type.sum() > max_listed else ''}).",
                    f"fill column {col!r} with finite numbers.",
                )
            )
        bad_sign = (values < 0) if allow_zero else (values <= 0)
        if bad_sign.any():
            rows = [str(r) for r in frame.index[bad_sign.to_numpy()][:max_listed]]
            bound = ">= 0" if allow_zero else "> 0"
            problems.append(
                InputIssue(
                    where,
                    f"column {col!r}",
                    f"{int(bad_sign.sum())} value(s) are not {bound} "
                    f"(rows {', '.join(rows)}{', ...' if bad_sign.sum() > max_listed else ''}).",
                    f"correct them so that every value of {col!r} is {bound}.",
                )
            )
    return problems


def _ceil(x: float) -> int:
    """Round up, ignoring float noise (10.000000000001 -> 10)."""
    return math.ceil(x - _EPS)


def _check_numbers(checks: Iterable[tuple[str, object, str, str]], where: str = "settings") -> None:
    """Raise one ValidationError for every (name, value, rule, fix) that fails.

    ``rule`` is one of ``">0"``, ``">=0"``, ``"(0,1]"``, ``"(0,1)"``, ``">-1"``.
    """
    problems: list[InputIssue] = []
    for name, value, rule, fix in checks:
        if _is_bad_number(value):
            problems.append(InputIssue(where, name, f"{name} is {value!r}, not a number.", fix))
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
            problems.append(InputIssue(where, name, f"{name} is {v:g}, it must be {rule}.", fix))
    if problems:
        raise ValidationError(problems)


def _few(items: Sequence[Any] | pd.Index, k: int = 5) -> str:
    items = list(items)
    head = ", ".join(str(i) for i in items[:k])
    return head + (f" and {len(items) - k} more" if len(items) > k else "")
