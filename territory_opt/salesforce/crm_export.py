"""CRM exports: read an account-level history (CSV or XLSX) and check it.

A CRM export holds one row per account with the columns

``account``
    account id, as in the account table (``DemoDataset.accounts["account"]``);
``rep``
    the rep who holds the account in the CRM (may be blank);
``first_order``
    date of the account's first order (blank: never ordered, a prospect);
``lost``
    date the account was lost (blank: not lost);
``revenue_<period>``
    revenue in k€ over the period ``<period>`` (e.g. ``revenue_2024``), one column per period,
    at least one; a blank cell means no sales (0);
``visits_<period>`` (optional)
    visits done over the period.

:func:`read_crm` reads CSV (separator sniffed, ``;`` included) or XLSX; :func:`parse_crm`
checks a DataFrame. Both collect **every** problem: missing columns and unreadable files
always raise; row problems (blank or unknown account, duplicate account, date that is not a
date or lies after ``as_of``, lost before first order, revenue or visits that are not numbers
or are negative, unknown rep) either raise one :class:`~territory_opt.exceptions.ValidationError`
listing them (``on_error="raise"``, the default) or exclude the offending rows and report each
of them in :attr:`CrmHistory.exclusions` (``on_error="exclude"``). Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..data._csv import read_csv_file
from ..exceptions import InputIssue, ValidationError
from ._crm_rows import (
    _clean_id,
    _duplicate_issues,
    _exclusion_table,
    _group_problems,
    _id_issues,
    _parse_dates,
    _parse_numbers,
)

__all__ = [
    "CRM_COLUMNS",
    "CrmHistory",
    "parse_crm",
    "read_crm",
]


CRM_COLUMNS: tuple[str, ...] = ("account", "rep", "first_order", "lost")


REVENUE_PREFIX = "revenue_"


VISITS_PREFIX = "visits_"


@dataclass(frozen=True)
class CrmHistory:
    """A checked CRM history, one row per account.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``account`` (str); columns ``rep`` (str or missing), ``first_order`` and
        ``lost`` (datetime64, day precision, ``NaT`` when blank), ``revenue_<p>`` (float, k€)
        for every period ``p`` in :attr:`periods`, and ``visits_<p>`` (float) where given.
    periods : tuple of str
        Revenue period labels, in the order of the export's columns.
    exclusions : pandas.DataFrame
        Rows left out (``on_error="exclude"``), one line per problem: ``row`` (line in the
        file, or index label of a DataFrame), ``account``, ``column``, ``value``, ``reason``.
        Empty when nothing was excluded.
    source : str
        File name or ``"DataFrame"``.
    """

    table: pd.DataFrame
    periods: tuple[str, ...]
    exclusions: pd.DataFrame
    source: str = "DataFrame"

    @property
    def visit_periods(self) -> tuple[str, ...]:
        """Period labels that have a ``visits_<p>`` column."""
        return tuple(
            str(c)[len(VISITS_PREFIX) :]
            for c in self.table.columns
            if str(c).startswith(VISITS_PREFIX)
        )


def read_crm(
    path: str | Path,
    *,
    encoding: str | None = "utf-8",
    sep: str | None = None,
    decimal: str = ".",
    sheet: str | int = 0,
    columns: Mapping[str, str] | None = None,
    accounts: pd.DataFrame | pd.Series | None = None,
    reps: pd.DataFrame | pd.Index | None = None,
    as_of: date | str | None = None,
    date_format: str | None = None,
    on_error: Literal["raise", "exclude"] = "raise",
) -> CrmHistory:
    """Read an account-level CRM export (CSV or XLSX) and check it.

    Parameters
    ----------
    path : path-like
        ``.csv``/``.txt`` or ``.xlsx``/``.xlsm``. Never written to.
    encoding : str or None
        Text encoding of a CSV (a UTF-8 byte-order mark is accepted). A file in another
        encoding raises a ValidationError that names the offending byte and suggests one.
        ``None`` reads UTF-8, else Windows-1252 with a logged warning, as the other
        tables are read (:func:`territory_opt.data._csv.read_csv_file`).
    sep : str, optional
        CSV separator; sniffed among ``,`` ``;`` tab and ``|`` when omitted.
    decimal : str
        Decimal mark of numbers in a CSV (``","`` for French exports).
    sheet : str or int
        Sheet of a workbook.
    columns, accounts, reps, as_of, date_format, on_error
        See :func:`parse_crm`.

    Returns
    -------
    CrmHistory
        Rows are reported by their line in the file (the header is line 1).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValidationError
        If the file cannot be decoded, lacks a column, or (``on_error="raise"``) has bad rows.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"CRM export {p} not found.")
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            frame = pd.read_excel(p, sheet_name=sheet, dtype=object)
        except ImportError as exc:  # pragma: no cover - openpyxl is a core dependency
            raise ValidationError(
                [
                    InputIssue(
                        "crm",
                        f"file {p.name}",
                        f"cannot read XLSX: {exc}.",
                        "pip install openpyxl.",
                    )
                ]
            ) from exc
        except ValueError as exc:
            raise ValidationError(
                [
                    InputIssue(
                        "crm",
                        f"file {p.name}",
                        f"cannot read the workbook: {exc}.",
                        "check the sheet name.",
                    )
                ]
            ) from exc
    elif suffix in {".csv", ".txt", ".tsv"}:
        frame = _read_csv(p, encoding=encoding, sep=sep)
    else:
        raise ValidationError(
            [
                InputIssue(
                    "crm",
                    f"file {p.name}",
                    f"unsupported file type {suffix or '(none)'!r}.",
                    "export the CRM data as .csv or .xlsx.",
                )
            ]
        )
    # data row k (0-based) is line k + 2 of the file (line 1 is the header)
    labels = [f"line {k + 2}" for k in range(len(frame))]
    return _parse(
        frame,
        row_labels=labels,
        columns=columns,
        accounts=accounts,
        reps=reps,
        as_of=as_of,
        date_format=date_format,
        decimal=decimal,
        on_error=on_error,
        source=p.name,
    )


def _read_csv(p: Path, *, encoding: str | None, sep: str | None) -> pd.DataFrame:
    return read_csv_file(p, encoding=encoding, sep=sep, as_text=True, kind="crm")


def parse_crm(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    accounts: pd.DataFrame | pd.Series | None = None,
    reps: pd.DataFrame | pd.Index | None = None,
    as_of: date | str | None = None,
    date_format: str | None = None,
    decimal: str = ".",
    on_error: Literal["raise", "exclude"] = "raise",
) -> CrmHistory:
    """Check a CRM export held in a DataFrame (not modified).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per account, columns as described in the module docstring (names are
        matched after stripping spaces, case-insensitively).
    columns : mapping, optional
        Renames applied first, from the export's names to ours, e.g.
        ``{"Code client": "account", "Commercial": "rep", "CA 2024": "revenue_2024"}``.
    accounts : DataFrame or Series, optional
        The account table (column ``account``) or the account ids; an account of the
        export that is not there is a problem.
    reps : DataFrame or Index, optional
        Known rep ids (a DataFrame's index); a non-blank unknown rep is a problem.
    as_of : date or str, optional
        Date of the export; a date after it is a problem. Defaults to today.
    date_format : str, optional
        ``strftime`` format of the dates (e.g. ``"%d/%m/%Y"``); ISO 8601 by default.
        Datetime cells (from a workbook) are accepted as they are.
    decimal : str
        Decimal mark of numbers written as text (``","`` for French exports); spaces
        (thousands separators) inside such numbers are then ignored.
    on_error : {"raise", "exclude"}
        Raise one ValidationError listing every bad row (default), or leave bad rows out
        and report each one in ``CrmHistory.exclusions``.

    Returns
    -------
    CrmHistory

    Raises
    ------
    ValidationError
        Missing columns or no ``revenue_<period>`` column (always); bad rows when
        ``on_error="raise"``. Each problem names the column, the rows and the fix.
    """
    labels = [f"row {i}" for i in frame.index] if isinstance(frame, pd.DataFrame) else []
    return _parse(
        frame,
        row_labels=labels,
        columns=columns,
        accounts=accounts,
        reps=reps,
        as_of=as_of,
        date_format=date_format,
        decimal=decimal,
        on_error=on_error,
        source="DataFrame",
    )


def _canonical_columns(frame: pd.DataFrame, columns: Mapping[str, str] | None) -> pd.DataFrame:
    out = frame.rename(columns=dict(columns or {}))
    renames: dict[Hashable, str] = {}
    for c in out.columns:
        name = str(c).strip()
        low = name.lower()
        if low in CRM_COLUMNS or low.startswith((REVENUE_PREFIX, VISITS_PREFIX)):
            prefix = (
                low.split("_", 1)[0] + "_"
                if low.startswith((REVENUE_PREFIX, VISITS_PREFIX))
                else ""
            )
            renames[c] = prefix + name[len(prefix) :] if prefix else low
        else:
            renames[c] = name
    return out.rename(columns=renames)


def _parse(
    frame: pd.DataFrame,
    *,
    row_labels: list[str],
    columns: Mapping[str, str] | None,
    accounts: pd.DataFrame | pd.Series | None,
    reps: pd.DataFrame | pd.Index | None,
    as_of: date | str | None,
    date_format: str | None,
    decimal: str,
    on_error: str,
    source: str,
) -> CrmHistory:
    _check_call(frame, on_error)
    df = _canonical_columns(frame, columns).reset_index(drop=True)
    rev_cols, vis_cols = _check_structure(df, frame)
    cutoff = pd.Timestamp(as_of if as_of is not None else date.today()).normalize()
    acc = df["account"].map(_clean_id)
    rep = df["rep"].map(_clean_id)
    issues = _id_issues(df, acc, rep, accounts, reps)
    dates, date_issues = _parse_dates(df, date_format, cutoff)
    numbers, number_issues = _parse_numbers(df, rev_cols, vis_cols, decimal)
    issues += date_issues + number_issues
    issues += _duplicate_issues(acc, issues, exclude=on_error == "exclude", row_labels=row_labels)
    exclusions = _exclusion_table(issues, acc, row_labels)
    if issues and on_error == "raise":
        raise ValidationError(_group_problems(exclusions))
    keep = np.ones(len(df), dtype=bool)
    keep[sorted({k for k, *_ in issues})] = False
    table = pd.DataFrame(
        {
            "account": acc[keep].astype(str),
            "rep": rep[keep],
            "first_order": dates["first_order"][keep],
            "lost": dates["lost"][keep],
            **{c: numbers[c][keep] for c in rev_cols + vis_cols},
        }
    ).set_index("account")
    periods = tuple(c[len(REVENUE_PREFIX) :] for c in rev_cols)
    return CrmHistory(table=table, periods=periods, exclusions=exclusions, source=source)


def _check_call(frame: object, on_error: str) -> None:
    """The input is a DataFrame and ``on_error`` a known mode."""
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(
            [
                InputIssue(
                    "crm",
                    "-",
                    f"expected a DataFrame, got {type(frame).__name__}.",
                    "pass a DataFrame or use read_crm(path).",
                )
            ]
        )
    if on_error not in {"raise", "exclude"}:
        raise ValidationError(
            [
                InputIssue(
                    "settings",
                    "on_error",
                    f"unknown value {on_error!r}.",
                    "use 'raise' or 'exclude'.",
                )
            ]
        )


def _check_structure(df: pd.DataFrame, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Raise on duplicate or missing columns; return the revenue and visits columns."""
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValidationError(
            [
                InputIssue(
                    "crm",
                    f"column {c!r}",
                    "appears more than once.",
                    "keep one column of that name.",
                )
                for c in dup
            ]
        )
    missing = [c for c in CRM_COLUMNS if c not in df.columns]
    rev_cols = [str(c) for c in df.columns if str(c).startswith(REVENUE_PREFIX)]
    vis_cols = [str(c) for c in df.columns if str(c).startswith(VISITS_PREFIX)]
    available = ", ".join(repr(str(c)) for c in frame.columns) or "none"
    structural = [
        InputIssue(
            "crm",
            f"column {c!r}",
            f"is missing (columns found: {available}).",
            f"add a column {c!r}, or map the export's name to it with columns={{'<name>': {c!r}}}.",
        )
        for c in missing
    ]
    if not rev_cols:
        structural.append(
            InputIssue(
                "crm",
                "columns 'revenue_<period>'",
                f"no revenue column (columns found: {available}).",
                "name the revenue columns revenue_<period>, e.g. revenue_2024, revenue_2025.",
            )
        )
    if len(df.columns) == 1 and any(s in str(df.columns[0]) for s in ";,\t|"):
        structural.append(
            InputIssue(
                "crm",
                "separator",
                "the whole header was read as one column.",
                "pass the file's separator, e.g. sep=';'.",
            )
        )
    if structural:
        raise ValidationError(structural)
    return rev_cols, vis_cols
