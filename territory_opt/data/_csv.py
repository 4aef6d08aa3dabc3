"""One CSV reader for every table the package reads (units, reps, plans, CRM exports).

It reads what French spreadsheets export: ``;`` (or ``,``, tab, ``|``) separators,
decimal commas (``1 234,5``, ``1234,5``, with a space, no-break or narrow no-break
space between thousands), Windows-1252 / Latin-1 text and UTF-8 with a byte-order mark.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..exceptions import InputIssue, ValidationError

__all__ = ["read_csv_file"]

logger = logging.getLogger(__name__)

_AUTO_ENCODINGS = ("utf-8-sig", "cp1252")
_SEPARATORS = ",;\t|"
_SPACES = " \u00a0\u202f"
#: A number written the French way: thousands grouped by spaces and/or a decimal comma.
_FRENCH_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,\d+)?")
#: Share of a column's non-blank cells that must read as French numbers for the column
#: to be taken as numeric.
_NUMERIC_SHARE = 0.5


def _problem(kind: str, where: str, message: str, fix: str) -> ValidationError:
    return ValidationError([InputIssue(kind, where, message, fix)])


def _decode(raw: bytes, path: Path, encoding: str | None, kind: str) -> str:
    if encoding is None:
        for enc in _AUTO_ENCODINGS:
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                continue
            if enc != _AUTO_ENCODINGS[0]:
                logger.warning("%s is not UTF-8; read it as %s (Windows Latin-1)", path, enc)
            return text
        raise AssertionError("cp1252 decodes every byte but five")  # pragma: no cover
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise _problem(
            kind,
            f"file {path.name}, line {line}",
            f"is not valid {encoding} text (byte 0x{bad} at offset {exc.start}).",
            "re-export the file as UTF-8, or pass the file's encoding, e.g. "
            "encoding='cp1252' for a Windows/Excel export or encoding='latin-1'.",
        ) from exc


def _sniff(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    try:
        return csv.Sniffer().sniff(first, delimiters=_SEPARATORS).delimiter
    except csv.Error:
        return ","


def _french_numbers(df: pd.DataFrame, skip: set[str], path: Path, kind: str) -> pd.DataFrame:
    """Columns of French-written numbers as floats; a column that looks numeric but holds a
    cell that is not a number is refused, naming the column and the cell."""
    out = df.copy()
    for col in df.columns:
        if col in skip or not (pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object):
            continue
        cells = df[col].dropna().astype(str).str.strip()
        cells = cells[cells != ""]
        if cells.empty:
            continue
        french = cells.str.fullmatch(_FRENCH_NUMBER)
        marked = cells.str.contains(r"\d[,\u00a0\u202f ]\d", regex=True)
        if not (french & marked).any() or french.mean() < _NUMERIC_SHARE:
            continue
        if not french.all():
            bad = cells[~french]
            rows = ", ".join(f"row {int(i) + 2} {v!r}" for i, v in bad.head(3).items())
            raise _problem(
                kind,
                f"file {path.name}, column {col!r}",
                f"looks like numbers with a decimal comma (e.g. {cells[french].iloc[0]!r}) "
                f"but {len(bad)} cell(s) are not: {rows}.",
                "correct those cells (digits, an optional decimal comma, spaces between "
                "thousands), or re-export the numbers without text.",
            )
        text = df[col].astype("string").str.strip()
        for space in _SPACES:
            text = text.str.replace(space, "", regex=False)
        out[col] = pd.to_numeric(text.str.replace(",", ".", regex=False).replace("", pd.NA))
    return out


def read_csv_file(
    path: str | Path,
    *,
    id_cols: Iterable[str] = (),
    encoding: str | None = None,
    sep: str | None = None,
    as_text: bool = False,
    kind: str = "file",
) -> pd.DataFrame:
    """Read a CSV table, French exports included.

    Parameters
    ----------
    path : path-like
        The CSV file; never written to.
    id_cols : iterable of str
        Columns kept as strings (INSEE codes keep their leading zeros).
    encoding : str, optional
        ``None`` (default): UTF-8 (with or without a byte-order mark), else Windows-1252
        with a logged warning. A given encoding is strict: a byte it cannot decode is
        refused, naming the line and the byte.
    sep : str, optional
        Separator; sniffed on the header line among ``,`` ``;`` tab and ``|``.
    as_text : bool
        Every cell as a string, blanks as ``""`` (the caller parses them). Otherwise
        columns are typed by pandas and columns of numbers written with a decimal comma
        or spaces between thousands become floats.
    kind : str
        ``InputIssue.where`` of the errors raised.

    Returns
    -------
    pandas.DataFrame
        Empty lines dropped (unless ``as_text``); ``attrs["blank_rows"]`` lists their row
        numbers and ``attrs["row_numbers"]`` the file row of each row kept (header = 1).

    Raises
    ------
    ValidationError
        A file holding NUL bytes (UTF-16, or a binary renamed .csv), text the encoding
        cannot decode, a CSV that cannot be parsed, or a column of decimal-comma numbers
        with a cell that is not a number.
    """
    p = Path(path)
    raw = p.read_bytes()
    if b"\x00" in raw[:4096]:
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
        raise _problem(
            kind,
            str(p),
            "is not a text CSV in UTF-8 or Windows-1252: it holds NUL bytes "
            + (
                "(UTF-16 'Unicode text')."
                if utf16
                else "(a binary file, e.g. an .xlsx renamed .csv)."
            ),
            "open it in Excel or LibreOffice and save as 'CSV UTF-8 (comma delimited)'.",
        )
    text = _decode(raw, p, encoding, kind)
    delimiter = sep if sep is not None else _sniff(text)
    ids = [str(c) for c in id_cols]
    try:
        if as_text:
            return pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
            )
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=dict.fromkeys(ids, str),
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise _problem(
            kind, str(p), f"cannot parse the CSV ({exc}).", "save it as UTF-8 CSV."
        ) from exc
    # Empty lines are dropped as before, but their row numbers are kept (header = row 1)
    # so that a reader can report them and number the other rows as the file does.
    empty = df.isna().all(axis=1).to_numpy()
    rows = [int(i) + 2 for i in range(len(df))]
    df = df[~empty].reset_index(drop=True)
    df = _french_numbers(df, set(ids), p, kind)
    df.attrs["blank_rows"] = [r for r, e in zip(rows, empty, strict=True) if e]
    df.attrs["row_numbers"] = [r for r, e in zip(rows, empty, strict=True) if not e]
    return df
