"""Workload: account segments -> visits -> hours -> workload, and what one rep can cover.

The *workload method* of sales-force sizing (Darmon, 1998, p. 129, as taught in the seed
course "L'organisation commerciale", slides 19-21) runs in four steps:

1. segment the accounts by the visit frequency and visit length they need;
2. multiply, per segment, accounts x visits per year x hours per visit;
3. add the segments up: the total contact time the market needs;
4. divide by the contact time one rep offers in a year
   (weeks x days x hours x share of the time spent in front of customers).

The course's example (see :data:`COURSE_SEGMENTS`)::

    segment           accounts  visits/yr  h/visit     hours
    large accounts         100         12      2.0     2,400
    medium accounts      1,400          6      1.0     8,400
    small accounts       2,400          1      0.5     1,200
    total                3,900                        12,000

    46 weeks x 5 days x 8 h = 1,840 h; x 40 % in contact = 736 h; 12,000 / 736 = 16.30 reps

The slide announces "a pool of 4,000 accounts" and prints 4,000 in its total row, but
its own rows sum to 3,900 accounts; the hours (12,000) are consistent with the rows. We
keep the three segments exactly as given (3,900 accounts, 12,000 h) and treat "4,000"
as a slip of the slide.

The same arithmetic runs per territorial unit with :func:`workload_by_unit`, from an
accounts table with one row per account. The course warns (slide 22) that the result is
not a conclusion in itself: the most profitable accounts may already be visited enough
and the least profitable ones may be new prospects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..exceptions import InputIssue, ValidationError
from ._input_checks import _is_bad_number, _numeric_problems, _require_columns

__all__ = [
    "COURSE_SEGMENTS",
    "Segment",
    "rep_capacity_hours",
    "required_reps",
    "segment_table",
    "total_workload_hours",
    "workload_by_unit",
]


@dataclass(frozen=True)
class Segment:
    """One account segment of the workload method.

    Parameters
    ----------
    name : str
        Segment label, e.g. ``"large accounts"``.
    accounts : float
        Number of accounts in the segment (>= 0; a float is allowed for estimates).
    visits_per_year : float
        Visits each account needs per year (>= 0).
    hours_per_visit : float
        Contact hours per visit (>= 0).

    Raises
    ------
    ValidationError
        If a field is negative, not a finite number, or the name is empty; every
        problem of the segment is listed with its fix.

    Examples
    --------
    >>> Segment("large accounts", 100, 12, 2.0).hours
    2400.0
    """

    name: str
    accounts: float
    visits_per_year: float
    hours_per_visit: float

    def __post_init__(self) -> None:
        problems: list[InputIssue] = []
        item = f"segment {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append(
                InputIssue(
                    "segments", item, "the segment has no name.", "give it a non-empty name."
                )
            )
        for field, unit in (
            ("accounts", "accounts"),
            ("visits_per_year", "visits per year"),
            ("hours_per_visit", "hours per visit"),
        ):
            value = getattr(self, field)
            if _is_bad_number(value):
                problems.append(
                    InputIssue(
                        "segments",
                        item,
                        f"{field} is {value!r}, not a finite number.",
                        f"give the number of {unit} as a finite number >= 0.",
                    )
                )
            elif value < 0:
                problems.append(
                    InputIssue(
                        "segments",
                        item,
                        f"{field} is negative ({value}).",
                        f"give the number of {unit} as a number >= 0.",
                    )
                )
        if problems:
            raise ValidationError(problems)

    @property
    def visits(self) -> float:
        """Visits per year for the whole segment (accounts x visits per year)."""
        return float(self.accounts) * float(self.visits_per_year)

    @property
    def hours(self) -> float:
        """Contact hours per year for the whole segment (visits x hours per visit)."""
        return self.visits * float(self.hours_per_visit)


#: The three segments of the course's workload example (slide 20, after Darmon 1998).
#: They hold 3,900 accounts although the slide says 4,000 (a slip of the slide) and
#: need 12,000 contact hours a year.
COURSE_SEGMENTS: tuple[Segment, ...] = (
    Segment("large accounts", 100, 12, 2.0),
    Segment("medium accounts", 1_400, 6, 1.0),
    Segment("small accounts", 2_400, 1, 0.5),
)


def _check_segments(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    segs = tuple(segments)
    problems: list[InputIssue] = []
    for k, seg in enumerate(segs):
        if not isinstance(seg, Segment):
            problems.append(
                InputIssue(
                    "segments",
                    f"item {k}",
                    f"is a {type(seg).__name__}, not a Segment.",
                    "build each segment with Segment(name, accounts, visits_per_year, "
                    "hours_per_visit).",
                )
            )
    names = [s.name for s in segs if isinstance(s, Segment)]
    dupes = sorted({n for n in names if names.count(n) > 1})
    for n in dupes:
        problems.append(
            InputIssue(
                "segments",
                f"segment {n!r}",
                "the name is used by more than one segment.",
                "give each segment a distinct name or merge them.",
            )
        )
    if problems:
        raise ValidationError(problems)
    return segs


def segment_table(segments: Iterable[Segment]) -> pd.DataFrame:
    """Steps 1-3 of the workload method as a table.

    Parameters
    ----------
    segments : iterable of Segment
        The account segments (names must be distinct).

    Returns
    -------
    pandas.DataFrame
        Indexed by segment name, with columns ``accounts``, ``visits_per_year``,
        ``hours_per_visit``, ``visits`` and ``hours``. Totals are not included (use
        ``table.sum()`` on ``accounts``, ``visits`` and ``hours``).

    Raises
    ------
    ValidationError
        If an item is not a :class:`Segment` or two segments share a name.
    """
    segs = _check_segments(segments)
    rows = [
        {
            "segment": s.name,
            "accounts": float(s.accounts),
            "visits_per_year": float(s.visits_per_year),
            "hours_per_visit": float(s.hours_per_visit),
            "visits": s.visits,
            "hours": s.hours,
        }
        for s in segs
    ]
    columns = ["segment", "accounts", "visits_per_year", "hours_per_visit", "visits", "hours"]
    return pd.DataFrame(rows, columns=columns).set_index("segment")


def total_workload_hours(segments: Iterable[Segment]) -> float:
    """Total contact hours per year the segments need (step 3 of the workload method).

    Parameters
    ----------
    segments : iterable of Segment
        The account segments.

    Returns
    -------
    float
        Sum over segments of accounts x visits per year x hours per visit.

    Raises
    ------
    ValidationError
        If an item is not a :class:`Segment` or two segments share a name.

    Examples
    --------
    >>> total_workload_hours(COURSE_SEGMENTS)
    12000.0
    """
    return float(sum(s.hours for s in _check_segments(segments)))


def rep_capacity_hours(
    weeks: float = 46,
    days_per_week: float = 5,
    hours_per_day: float = 8,
    contact_share: float = 0.40,
) -> float:
    """Contact hours one full-time rep offers per year (step 4 of the workload method).

    Parameters
    ----------
    weeks : float, default 46
        Working weeks per year, in (0, 53].
    days_per_week : float, default 5
        Working days per week, in (0, 7].
    hours_per_day : float, default 8
        Working hours per day, in (0, 24].
    contact_share : float, default 0.40
        Share of the working time spent in contact with customers, in (0, 1]
        (0.40 means 40 %, not 40).

    Returns
    -------
    float
        ``weeks * days_per_week * hours_per_day * contact_share``; 736.0 with the
        course's defaults (1,840 h of work, 40 % in contact).

    Raises
    ------
    ValidationError
        Listing every argument outside its range.
    """
    problems: list[InputIssue] = []
    for name, value, upper, fix in (
        ("weeks", weeks, 53.0, "give the working weeks per year, e.g. 46."),
        ("days_per_week", days_per_week, 7.0, "give the working days per week, e.g. 5."),
        ("hours_per_day", hours_per_day, 24.0, "give the working hours per day, e.g. 8."),
        (
            "contact_share",
            contact_share,
            1.0,
            "give the share as a fraction in (0, 1], e.g. 0.40 for 40 %.",
        ),
    ):
        if _is_bad_number(value) or not 0 < value <= upper:
            problems.append(
                InputIssue(
                    "settings",
                    name,
                    f"{name} is {value!r}, outside (0, {upper:g}].",
                    fix,
                )
            )
    if problems:
        raise ValidationError(problems)
    return float(weeks) * float(days_per_week) * float(hours_per_day) * float(contact_share)


def required_reps(total_hours: float, capacity: float) -> float:
    """Reps needed to cover a workload: ``total_hours / capacity`` (not rounded).

    Parameters
    ----------
    total_hours : float
        Contact hours per year the market needs (>= 0).
    capacity : float
        Contact hours per year one rep offers (> 0), see :func:`rep_capacity_hours`.

    Returns
    -------
    float
        The exact number of full-time reps, e.g. 12,000 / 736 = 16.30 for the course.
        Round it up (``math.ceil``) for a headcount that covers every visit.

    Raises
    ------
    ValidationError
        If ``total_hours`` is negative or ``capacity`` is not positive.
    """
    problems: list[InputIssue] = []
    if _is_bad_number(total_hours) or total_hours < 0:
        problems.append(
            InputIssue(
                "settings",
                "total_hours",
                f"total_hours is {total_hours!r}, not a number >= 0.",
                "give the yearly contact hours the market needs, e.g. total_workload_hours().",
            )
        )
    if _is_bad_number(capacity) or capacity <= 0:
        problems.append(
            InputIssue(
                "settings",
                "capacity",
                f"capacity is {capacity!r}, not a number > 0.",
                "give the yearly contact hours of one rep, e.g. rep_capacity_hours().",
            )
        )
    if problems:
        raise ValidationError(problems)
    return float(total_hours) / float(capacity)


# --- DataFrame checks shared with sizing.py -------------------------------------------


def workload_by_unit(
    accounts: pd.DataFrame,
    unit_col: str = "unit",
    *,
    visits_col: str = "visits_per_year",
    hours_col: str = "hours_per_visit",
) -> pd.DataFrame:
    """Workload per territorial unit from an accounts table (one row per account).

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account, with the unit it lies in and its visit norms.
        Not modified.
    unit_col : str, default "unit"
        Column with the unit id (e.g. the INSEE code of the commune).
    visits_col : str, default "visits_per_year"
        Column with the visits per year the account needs (>= 0).
    hours_col : str, default "hours_per_visit"
        Column with the contact hours per visit (>= 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by unit (sorted), with columns ``accounts`` (count), ``visits``
        (per year) and ``workload_hours`` (contact hours per year). Divide
        ``workload_hours`` by :func:`rep_capacity_hours` for FTE per unit.

    Raises
    ------
    ValidationError
        If a column is missing, or a visit/hour value is missing, not a number or
        negative, or a unit id is missing; every problem is listed with its fix.
    """
    where = "accounts"
    _require_columns(accounts, [unit_col, visits_col, hours_col], where)
    problems = _numeric_problems(accounts, [visits_col, hours_col], where)
    no_unit = accounts[unit_col].isna()
    if no_unit.any():
        problems.append(
            InputIssue(
                where,
                f"column {unit_col!r}",
                f"{int(no_unit.sum())} account(s) have no unit.",
                "give every account the id of the unit it lies in, or drop it.",
            )
        )
    if problems:
        raise ValidationError(problems)
    visits = accounts[visits_col].astype(float)
    frame = pd.DataFrame(
        {
            "unit": accounts[unit_col].to_numpy(),
            "accounts": 1,
            "visits": visits.to_numpy(),
            "workload_hours": (visits * accounts[hours_col].astype(float)).to_numpy(),
        }
    )
    out = frame.groupby("unit", sort=True).agg(
        accounts=("accounts", "sum"),
        visits=("visits", "sum"),
        workload_hours=("workload_hours", "sum"),
    )
    out.index.name = unit_col
    return out
