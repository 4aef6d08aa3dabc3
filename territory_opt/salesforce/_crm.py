"""CRM exports: read and check account-level history; generate a seeded demo history.

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

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..data._csv import read_csv_file
from ..exceptions import Problem, ValidationError

__all__ = [
    "CRM_COLUMNS",
    "CrmHistory",
    "generate_crm_history",
    "parse_crm",
    "read_crm",
]

CRM_COLUMNS: tuple[str, ...] = ("account", "rep", "first_order", "lost")
REVENUE_PREFIX = "revenue_"
VISITS_PREFIX = "visits_"
_MAX_LISTED = 5
_EXCLUSION_COLUMNS = ["row", "account", "column", "value", "reason"]


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


# --- reading ------------------------------------------------------------------------------


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
                    Problem(
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
                    Problem(
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
                Problem(
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


# --- checking -----------------------------------------------------------------------------


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
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(
            [
                Problem(
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
                Problem(
                    "settings",
                    "on_error",
                    f"unknown value {on_error!r}.",
                    "use 'raise' or 'exclude'.",
                )
            ]
        )
    df = _canonical_columns(frame, columns).reset_index(drop=True)
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValidationError(
            [
                Problem(
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
        Problem(
            "crm",
            f"column {c!r}",
            f"is missing (columns found: {available}).",
            f"add a column {c!r}, or map the export's name to it with columns={{'<name>': {c!r}}}.",
        )
        for c in missing
    ]
    if not rev_cols:
        structural.append(
            Problem(
                "crm",
                "columns 'revenue_<period>'",
                f"no revenue column (columns found: {available}).",
                "name the revenue columns revenue_<period>, e.g. revenue_2024, revenue_2025.",
            )
        )
    if len(df.columns) == 1 and any(s in str(df.columns[0]) for s in ";,\t|"):
        structural.append(
            Problem(
                "crm",
                "separator",
                "the whole header was read as one column.",
                "pass the file's separator, e.g. sep=';'.",
            )
        )
    if structural:
        raise ValidationError(structural)

    cutoff = pd.Timestamp(as_of if as_of is not None else date.today()).normalize()
    issues: list[tuple[int, str, object, str]] = []  # (position, column, value, reason)

    # account ids
    acc = df["account"].map(_clean_id)
    for k in np.flatnonzero(acc.isna().to_numpy()):
        issues.append((int(k), "account", df["account"].iloc[k], "blank account id"))
    if accounts is not None:
        known = accounts["account"] if isinstance(accounts, pd.DataFrame) else accounts
        known_set = {str(a) for a in pd.Series(known).dropna()}
        unknown = acc.notna() & ~acc.isin(known_set)
        for k in np.flatnonzero(unknown.to_numpy()):
            issues.append((int(k), "account", acc.iloc[k], "account not in the account table"))

    # rep
    rep = df["rep"].map(_clean_id)
    if reps is not None:
        known_reps = {str(r) for r in (reps.index if isinstance(reps, pd.DataFrame) else reps)}
        bad = rep.notna() & ~rep.isin(known_reps)
        for k in np.flatnonzero(bad.to_numpy()):
            issues.append((int(k), "rep", rep.iloc[k], "unknown rep"))

    # dates
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

    # numbers
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

    # duplicates; in exclude mode a row already at fault does not count as the first copy
    faulty = {k for k, *_ in issues}
    first_seen: dict[str, int] = {}
    for pos, a in enumerate(acc.tolist()):
        if _is_blank(a) or (pos in faulty and on_error == "exclude"):
            continue
        if a in first_seen:
            issues.append(
                (pos, "account", a, f"duplicate account (also on {row_labels[first_seen[a]]})")
            )
        else:
            first_seen[a] = pos

    exclusions = pd.DataFrame(
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
    if issues and on_error == "raise":
        raise ValidationError(_group_problems(exclusions))

    bad_rows = sorted({k for k, *_ in issues})
    keep = np.ones(len(df), dtype=bool)
    keep[bad_rows] = False
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


# --- seeded demo history --------------------------------------------------------------------


def generate_crm_history(
    accounts: pd.DataFrame,
    unit_rep: pd.Series,
    *,
    seed: int = 2025,
    year: int = 2025,
    new_rate: float = 0.06,
    prospect_conversion: float = 0.3,
    new_last_year_rate: float = 0.08,
    loss_rate: float = 0.08,
    loss_rate_last_year: float = 0.04,
    share_mean: float = 0.45,
    growth_mean: float = 0.03,
) -> pd.DataFrame:
    """A seeded two-year CRM history for the demo accounts, in CRM-export form.

    Parameters
    ----------
    accounts : pandas.DataFrame
        ``account``, ``unit``, ``segment``, ``visits_per_year``, ``potential`` (k€/year).
        Not modified.
    unit_rep : pandas.Series
        Unit id -> rep id holding it in the CRM (the current alignment).
    seed : int
        Random seed: the same seed gives the same history.
    year : int
        "This year"; the history covers ``year - 1`` (last year) and ``year``, both complete.
    new_rate, prospect_conversion, new_last_year_rate : float
        Share of customers whose first order falls in ``year`` / share of prospects that
        order for the first time in ``year`` / share of customers first ordering in ``year - 1``.
    loss_rate, loss_rate_last_year : float
        Share of customers lost during ``year`` / during ``year - 1``.
    share_mean : float
        Mean share of its potential an account buys in a full year.
    growth_mean : float
        Mean like-for-like growth from ``year - 1`` to ``year``.

    Returns
    -------
    pandas.DataFrame
        ``account``, ``rep``, ``first_order``, ``lost`` (datetime64, ``NaT`` blank),
        ``revenue_<year-1>``, ``revenue_<year>`` (k€, 0.1 precision),
        ``visits_<year-1>``, ``visits_<year>``. See ``docs/objectives.md`` for the model.
    """
    rng = np.random.default_rng(seed)
    n = len(accounts)
    y0, y1 = year - 1, year
    start0, start1 = pd.Timestamp(y0, 1, 1), pd.Timestamp(y1, 1, 1)
    end1 = pd.Timestamp(y1, 12, 31)
    rep_of = accounts["unit"].map(unit_rep).to_numpy(dtype=object)
    rep_ids = sorted({str(r) for r in pd.Series(unit_rep).dropna()})
    skill = dict(zip(rep_ids, rng.lognormal(0.0, 0.15, len(rep_ids)), strict=True))
    diligence = dict(zip(rep_ids, rng.uniform(0.75, 1.05, len(rep_ids)), strict=True))

    def day_in(lo: pd.Timestamp, hi: pd.Timestamp, u: np.ndarray) -> np.ndarray:
        span = (hi - lo).days
        return (lo + pd.to_timedelta(np.floor(u * (span + 1)), unit="D")).to_numpy()

    prospect = accounts["segment"].eq("prospect").to_numpy()
    u_status = rng.uniform(size=n)
    u_date = rng.uniform(size=n)
    first = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    new1 = np.where(prospect, u_status < prospect_conversion, u_status < new_rate)
    new0 = ~prospect & ~new1 & (u_status < new_rate + new_last_year_rate)
    old = ~prospect & ~new1 & ~new0
    first[new1] = day_in(start1, end1, u_date)[new1]
    first[new0] = day_in(start0, start1 - pd.Timedelta(days=1), u_date)[new0]
    first[old] = day_in(pd.Timestamp(y0 - 9, 1, 1), start0 - pd.Timedelta(days=1), u_date)[old]

    u_loss = rng.uniform(size=n)
    u_ldate = rng.uniform(size=n)
    lost = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    customer = ~np.isnat(first)
    lose0 = customer & (u_loss < loss_rate_last_year) & (first < start1.to_datetime64())
    lose1 = customer & ~lose0 & (u_loss < loss_rate_last_year + loss_rate)
    for mask, lo_, hi_ in ((lose0, start0, start1 - pd.Timedelta(days=1)), (lose1, start1, end1)):
        idx = np.flatnonzero(mask)
        for i in idx:
            lo_i = max(lo_, pd.Timestamp(first[i]) + pd.Timedelta(days=1))
            if lo_i <= hi_:
                lost[i] = day_in(lo_i, hi_, u_ldate[i : i + 1])[0]

    def active_fraction(lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
        f = pd.Series(first)
        ls = pd.Series(lost)
        a = f.where(f > lo, lo)
        b = (ls - pd.Timedelta(days=1)).where(ls.notna() & (ls <= hi), hi)
        days = ((b - a).dt.days + 1).clip(lower=0).fillna(0)
        return (days / ((hi - lo).days + 1)).to_numpy(dtype=float)

    act0 = active_fraction(start0, start1 - pd.Timedelta(days=1))
    act1 = active_fraction(start1, end1)
    potential = accounts["potential"].to_numpy(dtype=float)
    k = 6.0
    share = rng.beta(k * share_mean, k * (1 - share_mean), size=n)
    sk = np.array([skill.get(str(r), 1.0) for r in rep_of])
    growth = rng.lognormal(np.log1p(growth_mean), 0.12, size=n)
    rev0 = np.round(potential * share * sk * act0, 1)
    rev1 = np.round(potential * share * sk * growth * act1, 1)
    dil = np.array([diligence.get(str(r), 1.0) for r in rep_of])
    vpy = accounts["visits_per_year"].to_numpy(dtype=float)
    vis0 = rng.poisson(vpy * act0 * dil).astype(float)
    vis1 = rng.poisson(vpy * act1 * dil).astype(float)
    return pd.DataFrame(
        {
            "account": accounts["account"].astype(str).to_numpy(),
            "rep": rep_of,
            "first_order": pd.to_datetime(first),
            "lost": pd.to_datetime(lost),
            f"revenue_{y0}": rev0,
            f"revenue_{y1}": rev1,
            f"visits_{y0}": vis0,
            f"visits_{y1}": vis1,
        }
    )
