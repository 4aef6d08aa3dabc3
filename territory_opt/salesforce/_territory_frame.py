"""Helpers of quotas and KPIs: the alignment as unit -> territory, its territories, safe ratios."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._input_checks import _few


def _assignment(alignment: Any) -> pd.Series:
    """Unit -> territory Series from an ``Alignment`` (``.assignment``) or a Series."""
    a = getattr(alignment, "assignment", alignment)
    if isinstance(a, Mapping) and not isinstance(a, pd.Series):
        a = pd.Series(a)
    if not isinstance(a, pd.Series):
        raise ValidationError(
            [
                InputIssue(
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
                InputIssue(
                    "alignment",
                    f"units {_few(a.index[a.isna()])}",
                    "have no territory.",
                    "assign every unit to a rep.",
                )
            ]
        )
    return a


def _check_units_covered(units: pd.DataFrame, assign: pd.Series) -> None:
    missing = units.index.difference(assign.index)
    extra = assign.index.difference(units.index)
    problems = []
    if len(missing):
        problems.append(
            InputIssue(
                "alignment",
                f"units {_few(missing)}",
                f"{len(missing)} unit(s) of the units table have no territory.",
                "assign them.",
            )
        )
    if len(extra):
        problems.append(
            InputIssue(
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
                InputIssue(
                    "alignment",
                    f"reps {_few(unknown)}",
                    "hold territories but are not in the reps table.",
                    "add them to reps or fix the alignment.",
                )
            ]
        )
    return pd.Index(reps.index)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float).reindex(num.index)
    return (num / den.where(den > 0)).astype(float)
