"""Staged staffing (course slide 40): configure more territories than reps, staff by profit.

"If we plan to start with 60 reps and add 10 every 6 months for 2 years when
successful, configure 100 territories and rank them by profitability. Staff the first
60, then the next 10...": :func:`staged_staffing` returns that schedule, stopping the
ramp-up at the first step judged unsuccessful.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from ..exceptions import InputIssue, ValidationError

__all__ = ["staged_staffing"]


def staged_staffing(
    profitability: pd.Series,
    *,
    initial: int,
    step: int,
    every_months: int = 6,
    horizon_months: int = 24,
    success: Sequence[bool] | Callable[[int, list[object]], bool] | None = None,
) -> pd.DataFrame:
    """Which territories are staffed at each step of a ramp-up.

    Parameters
    ----------
    profitability : Series
        Territory id -> expected profit (or any score; higher is staffed first).
        Ties are broken by territory id, so the schedule is deterministic.
    initial : int
        Territories staffed at month 0.
    step : int
        Territories added at each later step.
    every_months, horizon_months : int
        Step length and horizon.
    success : sequence of bool or callable, optional
        Whether the ramp-up goes on after each step (``success[i]`` decides step
        ``i + 1``), or ``success(month, open_territories) -> bool``. Default: always.

    Returns
    -------
    DataFrame
        One row per step: ``month``, ``staffed`` (count), ``added`` (list of territory
        ids, best first), ``open`` (all staffed ids).
    """
    problems = []
    n = len(profitability)
    if initial < 1 or initial > n:
        problems.append(
            InputIssue(
                "settings",
                "initial",
                f"{initial} is not between 1 and the {n} territories.",
                "configure more territories or start smaller.",
            )
        )
    if step < 0:
        problems.append(InputIssue("settings", "step", f"{step} < 0.", "give a positive step."))
    if every_months <= 0 or horizon_months < 0:
        problems.append(
            InputIssue(
                "settings",
                "every_months/horizon_months",
                "must be positive.",
                "e.g. every_months=6, horizon_months=24.",
            )
        )
    if profitability.isna().any():
        problems.append(
            InputIssue(
                "territories",
                ", ".join(map(str, profitability.index[profitability.isna()][:5])),
                "no profitability given.",
                "score every territory.",
            )
        )
    if problems:
        raise ValidationError(problems)
    order = sorted(profitability.index, key=lambda t: (-float(profitability[t]), str(t)))
    rows = []
    staffed = initial
    month = 0
    rows.append({"month": 0, "staffed": staffed, "added": order[:staffed], "open": order[:staffed]})
    k = 0
    while month + every_months <= horizon_months and staffed < n:
        go_on = True
        if callable(success):
            go_on = bool(success(month, order[:staffed]))
        elif success is not None:
            go_on = bool(success[k]) if k < len(success) else True
        if not go_on:
            break
        month += every_months
        added = order[staffed : staffed + step]
        staffed += len(added)
        rows.append({"month": month, "staffed": staffed, "added": added, "open": order[:staffed]})
        k += 1
    return pd.DataFrame(rows)
