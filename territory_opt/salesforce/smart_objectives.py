"""SMART objectives: the measurable metrics, a time-bound period and an objective, checked on construction."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..exceptions import InputIssue, ValidationError

__all__ = [
    "METRICS",
    "Objective",
    "Period",
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
        problems: list[InputIssue] = []
        item = f"period {self.label!r}"
        if not isinstance(self.label, str) or not self.label.strip():
            problems.append(
                InputIssue(
                    "objective", item, "the period has no label.", "give a label such as '2025'."
                )
            )
        for name in ("start", "end"):
            if not isinstance(getattr(self, name), date):
                problems.append(
                    InputIssue(
                        "objective",
                        item,
                        f"{name} is {getattr(self, name)!r}, not a date.",
                        f"give {name} as datetime.date.",
                    )
                )
        if not problems and self.start > self.end:
            problems.append(
                InputIssue(
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
        problems: list[InputIssue] = []
        item = f"objective {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append(
                InputIssue(
                    "objective",
                    item,
                    "the objective has no name.",
                    "say specifically what is to be achieved.",
                )
            )
        if self.metric not in METRICS:
            problems.append(
                InputIssue(
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
                InputIssue(
                    "objective",
                    item,
                    f"target is {t!r}, not a finite number.",
                    "give the target as a number.",
                )
            )
        elif t < 0:
            problems.append(
                InputIssue("objective", item, f"target is negative ({t}).", "give a target >= 0.")
            )
        elif self.metric in METRICS and METRICS[self.metric][0] == "ratio" and t > 1:
            problems.append(
                InputIssue(
                    "objective",
                    item,
                    f"target {t} is a ratio above 1.",
                    "give the ratio as a fraction, e.g. 0.9 for 90 %.",
                )
            )
        if self.period is None:
            problems.append(
                InputIssue(
                    "objective",
                    item,
                    "has no period: a SMART objective is time-bound.",
                    "give period=Period.year(2025) or Period(label, start, end).",
                )
            )
        elif not isinstance(self.period, Period):
            problems.append(
                InputIssue(
                    "objective",
                    item,
                    f"period is {self.period!r}, not a Period.",
                    "use Period(...).",
                )
            )
        if self.owner is not None and (not isinstance(self.owner, str) or not self.owner.strip()):
            problems.append(
                InputIssue(
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
