"""Read a unit x rep (or unit x unit) travel matrix: km or minutes from a routing engine.

Routing engines' table services (OSRM ``/table``, Valhalla ``sources_to_targets``,
openrouteservice ``/matrix``) give every origin → destination duration or distance;
saved as a table it comes in one of two layouts, both read here (CSV, XLSX or Parquet):

* **long**: one row per pair, columns ``unit, rep, value`` (also accepted: ``origin`` /
  ``source`` / ``from`` for the unit, ``destination`` / ``target`` / ``to`` for the rep,
  ``minutes`` / ``duration`` / ``km`` / ``distance`` / ``time`` / ``cost`` for the value);
* **wide**: one row per unit, the first column its id, one column per rep id.

The result feeds :meth:`territory_opt.TerritoryProblem.from_geodataframe` (``cost=``) and
the plan's travel figures (:func:`territory_opt.plan.plan_quality`, ``travel=``); its
labels are checked there (missing pairs and negative values named by unit and rep).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..exceptions import InputIssue, ValidationError
from .io import read_table

__all__ = ["read_travel_matrix"]

_UNIT = ("unit", "unit_id", "origin", "source", "from", "src")
_REP = ("rep", "rep_id", "destination", "target", "to", "dst", "home")
_VALUE = ("value", "minutes", "min", "duration", "km", "distance", "time", "cost", "seconds")


def _pick(columns: list[str], names: tuple[str, ...], given: str | None) -> str | None:
    if given is not None:
        return given if given in columns else None
    low = {c.lower(): c for c in columns}
    return next((low[n] for n in names if n in low), None)


def read_travel_matrix(
    path: str | os.PathLike[str],
    *,
    unit_col: str | None = None,
    rep_col: str | None = None,
    value_col: str | None = None,
) -> pd.DataFrame:
    """Read a travel matrix (long ``unit, rep, value`` or wide) as a unit x rep frame.

    Parameters
    ----------
    path : path-like
        CSV, XLSX or Parquet file.
    unit_col, rep_col, value_col : str, optional
        Column names of the long layout (default: found among the usual names, see the
        module doc). Without a unit and a rep column the file is read as wide.

    Returns
    -------
    pandas.DataFrame
        Index unit id, columns rep id (ids as text), float values; a pair missing from a
        long file is NaN (reported when the matrix is used).

    Raises
    ------
    ValidationError
        A pair given twice, a value that is not a number, or no value column.
    """
    p = Path(path)
    raw = _read_raw(p, unit_col, rep_col)
    cols = list(raw.columns)
    u, r = _pick(cols, _UNIT, unit_col), _pick(cols, _REP, rep_col)
    if u is not None and r is not None:
        wide = _from_long(raw, p, u, r, value_col)
    else:
        wide = _from_wide(raw, p, u if u is not None else cols[0])
    wide = wide.astype(float)
    wide.index.name, wide.columns.name = "unit", "rep"
    return wide


def _read_raw(p: Path, unit_col: str | None, rep_col: str | None) -> pd.DataFrame:
    """The file as a table (Parquet, or CSV/XLSX with the id columns read as text)."""
    if p.suffix.lower() != ".parquet":
        cols = list(read_table(p).columns)  # the header first: ids are then read as text
        u, r = _pick(cols, _UNIT, unit_col), _pick(cols, _REP, rep_col)
        ids = [u, r] if u is not None and r is not None else [u or cols[0]]
        return read_table(p, id_cols=ids)
    if not p.exists():
        raise ValidationError([InputIssue("file", str(p), "file not found.", "check the path.")])
    try:
        raw = pd.read_parquet(p)
    except ImportError as exc:
        raise ValidationError(
            [
                InputIssue(
                    "file",
                    str(p),
                    "reading Parquet needs pyarrow.",
                    "pip install pyarrow, or save the matrix as CSV.",
                )
            ]
        ) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw


def _from_long(raw: pd.DataFrame, p: Path, u: str, r: str, value_col: str | None) -> pd.DataFrame:
    """The unit x rep frame of a long table (columns ``u``, ``r`` and a value column)."""
    rest = [c for c in raw.columns if c not in (u, r)]
    v = _pick(rest, _VALUE, value_col)
    if v is None and value_col is None and len(rest) == 1:
        v = rest[0]
    if v is None:
        raise ValidationError(
            [
                InputIssue(
                    "file",
                    str(p),
                    f"long travel matrix ({u}, {r}) without a value column.",
                    f"name the value column 'minutes' or 'km' (found {rest}).",
                )
            ]
        )
    long = pd.DataFrame(
        {
            "unit": raw[u].astype(str).str.strip(),
            "rep": raw[r].astype(str).str.strip(),
            "value": pd.to_numeric(raw[v], errors="coerce"),
        }
    )
    _check_numbers(long["value"], long["unit"], long["rep"], p, raw[v])
    dup = long.duplicated(["unit", "rep"])
    if dup.any():
        pairs = [f"({a}, {b})" for a, b in long.loc[dup, ["unit", "rep"]].head(5).to_numpy()]
        raise ValidationError(
            [
                InputIssue(
                    "file",
                    f"{p}: (unit, rep) {', '.join(pairs)}",
                    f"{int(dup.sum())} pair(s) are given twice.",
                    "keep one row per (unit, rep) pair.",
                )
            ]
        )
    return long.pivot(index="unit", columns="rep", values="value")


def _from_wide(raw: pd.DataFrame, p: Path, first: str) -> pd.DataFrame:
    """The unit x rep frame of a wide table (unit ids in column ``first``)."""
    wide = raw.set_index(raw[first].astype(str).str.strip()).drop(columns=[first])
    wide.columns = [str(c).strip() for c in wide.columns]
    for c in wide.columns:
        vals = pd.to_numeric(wide[c], errors="coerce")
        _check_numbers(vals, pd.Series(wide.index), pd.Series([c] * len(wide)), p, wide[c])
        wide[c] = vals
    return wide


def _check_numbers(
    values: pd.Series,
    units: pd.Series,
    reps: pd.Series,
    path: Path,
    raw: pd.Series,
) -> None:
    """A cell that is not blank and not a number is an error naming its (unit, rep)."""
    text = raw.astype(str).str.strip()
    bad = (values.isna() & raw.notna() & (text != "") & (text.str.lower() != "nan")).to_numpy()
    if bad.any():
        pairs = [
            f"({a}, {b})"
            for a, b in zip(units.to_numpy()[bad][:5], reps.to_numpy()[bad][:5], strict=True)
        ]
        raise ValidationError(
            [
                InputIssue(
                    "file",
                    f"{path}: (unit, rep) {', '.join(pairs)}",
                    f"{int(bad.sum())} value(s) are not numbers.",
                    "write plain numbers (km or minutes).",
                )
            ]
        )
