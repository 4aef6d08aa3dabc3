"""Read and write units, reps, plans and tables; never overwrite an input.

Readers accept GeoPackage, GeoJSON, Shapefile, (Geo)Parquet, CSV (geometry as WKT, or
longitude/latitude columns for points) and XLSX for tables. Ids are read as **strings**
(INSEE codes keep their leading zeros: ``"01001"``), so that units, reps' homes,
baselines and locks always match. Every failure is a
:class:`~territory_opt.exceptions.ValidationError` naming the file and the fix.

Writers go through a temporary file in the destination folder and an atomic rename,
so a crash never leaves a half-written output; they refuse to write onto a file that
was given as an input.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..exceptions import InputIssue, ValidationError
from ._csv import read_csv_file

__all__ = [
    "GEO_SUFFIXES",
    "TABLE_SUFFIXES",
    "atomic_path",
    "atomic_write_bytes",
    "prepare_output_dir",
    "read_accounts",
    "read_assignment",
    "read_table",
    "read_units",
    "write_table",
]

logger = logging.getLogger(__name__)

GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".parquet", ".fgb")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls", ".parquet", *GEO_SUFFIXES)


def _fail(path: Path, message: str, fix: str) -> ValidationError:
    return ValidationError([InputIssue("file", str(path), message, fix)])


def _check_file(path: Path) -> None:
    if not path.exists():
        raise _fail(path, "file not found.", "check the path and the current folder.")
    if path.is_dir():
        raise _fail(path, "is a folder, not a file.", "give the file inside it.")
    if path.stat().st_size == 0:
        raise _fail(path, "the file is empty.", "re-export it from its source.")


def _read_csv(path: Path, id_cols: Iterable[str]) -> pd.DataFrame:
    return read_csv_file(path, id_cols=id_cols)


def _read_excel(path: Path, id_cols: Iterable[str], sheet: str | int | None) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, sheet_name=sheet or 0, dtype=dict.fromkeys(id_cols, str))
    except ValueError as exc:
        raise _fail(path, f"cannot read the sheet ({exc}).", "check the sheet name.") from exc
    except Exception as exc:
        raise _fail(path, f"not a readable Excel file ({exc}).", "re-save it as .xlsx.") from exc
    unnamed = [str(c) for c in df.columns if str(c).startswith("Unnamed:")]
    if unnamed:
        raise _fail(
            path,
            f"header row has empty or merged cells ({', '.join(unnamed[:3])}).",
            "unmerge the header cells and give every column a one-row name.",
        )
    return df


def _read_geo(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return gpd.read_parquet(path)
        return gpd.read_file(path, layer=layer)
    except Exception as exc:
        raise _fail(
            path,
            f"cannot read this geographic file ({type(exc).__name__}: {exc}).",
            "check it opens in QGIS; a truncated or corrupt file must be exported again.",
        ) from exc


def read_table(
    path: str | os.PathLike[str],
    *,
    id_cols: Iterable[str] = (),
    sheet: str | int | None = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Read a table (CSV, XLSX, Parquet, or a geographic file's attributes).

    Parameters
    ----------
    path : path-like
        The file. CSV separators are sniffed; UTF-8 is expected, Windows Latin-1 is
        accepted with a warning.
    id_cols : iterable of str
        Columns read as strings (ids keep leading zeros). Missing ones are an error.
    sheet, layer : optional
        Excel sheet / GeoPackage layer.

    Returns
    -------
    pandas.DataFrame
    """
    p = Path(path)
    _check_file(p)
    id_cols = list(id_cols)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        df = _read_csv(p, id_cols)
    elif suffix in (".xlsx", ".xls"):
        df = _read_excel(p, id_cols, sheet)
    elif suffix in GEO_SUFFIXES:
        df = pd.DataFrame(_read_geo(p, layer).drop(columns="geometry", errors="ignore"))
    else:
        raise _fail(
            p, f"unsupported file type {suffix!r}.", f"use one of {', '.join(TABLE_SUFFIXES)}."
        )
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in id_cols if c not in df.columns]
    if missing:
        raise _fail(
            p,
            f"column(s) {', '.join(map(repr, missing))} not found (columns: {', '.join(df.columns[:12])}).",
            "rename the column or pass its name as an option.",
        )
    for c in id_cols:
        df[c] = df[c].map(_as_id)
    return df


def _as_id(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_units(
    path: str | os.PathLike[str],
    *,
    id_col: str,
    layer: str | None = None,
    crs: str | None = None,
    wkt_col: str = "geometry",
    lon_col: str = "lon",
    lat_col: str = "lat",
) -> gpd.GeoDataFrame:
    """Read territorial units into a GeoDataFrame indexed by string id.

    Parameters
    ----------
    path : path-like
        GPKG, GeoJSON, Shapefile, GeoParquet, or CSV/XLSX with a WKT column
        (``wkt_col``) or ``lon_col``/``lat_col`` columns.
    id_col : str
        Column of unit ids (read as strings).
    crs : str, optional
        CRS of a CSV/XLSX file's coordinates (default EPSG:4326), or the CRS to declare
        for a geographic file that has none.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``id_col``.
    """
    p = Path(path)
    _check_file(p)
    suffix = p.suffix.lower()
    if suffix in GEO_SUFFIXES:
        gdf = _read_geo(p, layer)
        if gdf.crs is None and crs is not None:
            gdf = gdf.set_crs(crs)
        if id_col not in gdf.columns:
            raise _fail(
                p,
                f"id column {id_col!r} not found (columns: {', '.join(map(str, gdf.columns[:12]))}).",
                "pass the right id column name.",
            )
        gdf[id_col] = gdf[id_col].map(_as_id)
    else:
        df = read_table(p, id_cols=[id_col])
        if wkt_col in df.columns:
            try:
                geoms = shapely.from_wkt(df[wkt_col].astype(str).tolist(), on_invalid="raise")
            except shapely.errors.GEOSException as exc:
                raise _fail(
                    p, f"column {wkt_col!r} holds invalid WKT ({exc}).", "fix the WKT text."
                ) from exc
            gdf = gpd.GeoDataFrame(df.drop(columns=wkt_col), geometry=geoms, crs=crs or "EPSG:4326")
        elif lon_col in df.columns and lat_col in df.columns:
            gdf = gpd.GeoDataFrame(
                df,
                geometry=gpd.points_from_xy(df[lon_col], df[lat_col]),
                crs=crs or "EPSG:4326",
            )
        else:
            raise _fail(
                p,
                f"no geometry: neither a WKT column {wkt_col!r} nor {lon_col!r}/{lat_col!r} columns.",
                "add polygons as WKT, or point coordinates, or use a GPKG/GeoJSON file.",
            )
    return gdf.set_index(id_col)


def read_assignment(
    path: str | os.PathLike[str], *, unit_col: str, rep_col: str, sheet: str | int | None = None
) -> pd.Series:
    """Read a plan (unit -> rep) such as a baseline or locks; both columns as strings."""
    df = read_table(path, id_cols=[unit_col, rep_col], sheet=sheet)
    blank = df[[unit_col, rep_col]].apply(lambda c: c.isna() | c.astype(str).str.strip().eq(""))
    file_rows = df.attrs.get("row_numbers") or [i + 2 for i in range(len(df))]
    # row numbers as a spreadsheet shows them: the header is row 1
    problems = {r: "empty row" for r in df.attrs.get("blank_rows", [])}
    for i in range(len(df)):
        gaps = [c for c in (unit_col, rep_col) if blank.iat[i, blank.columns.get_loc(c)]]
        if gaps:
            problems[file_rows[i]] = "no " + " and no ".join(gaps)
    if problems:
        listed = [f"row {r} ({why})" for r, why in sorted(problems.items())[:5]]
        more = len(problems) - len(listed)
        raise _fail(
            Path(path),
            f"blank cell(s): {', '.join(listed)}"
            + (f" and {more} more row(s)" if more else "")
            + ".",
            f"fill in the {unit_col!r} and {rep_col!r} of every row, or delete the empty rows.",
        )
    dup = df[unit_col][df[unit_col].duplicated()]
    if not dup.empty:
        raise _fail(
            Path(path),
            f"unit(s) {', '.join(map(str, dup.unique()[:5]))} appear on several rows.",
            "keep one row per unit.",
        )
    return pd.Series(
        df[rep_col].to_numpy(), index=pd.Index(df[unit_col], name=unit_col), name=rep_col
    )


def _refuse_inputs(target: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    for inp in inputs:
        if Path(inp).resolve() == target.resolve():
            raise _fail(
                target, "is an input file; outputs never overwrite inputs.", "write elsewhere."
            )


def _file_mode() -> int:
    """The mode a plain ``open(path, "w")`` gives a new file: ``0o666`` minus the umask."""
    try:  # Linux: read the umask without changing it (os.umask is process-wide)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    The package's one atomic writer: every output goes through it. Refuses to write onto
    a file listed in ``inputs``. The file ends with the permissions a plain ``open``
    would give it (``0o666`` minus the umask, usually ``0o644``), whatever the writer
    did, so colleagues can read the outputs. On error the temporary file is removed and
    ``path`` is left as it was.
    """
    target = Path(path).resolve()
    _refuse_inputs(target, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, _file_mode())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write ``data`` to ``path`` through :func:`atomic_path` (fsync'ed); return the path."""
    target = Path(path)
    with atomic_path(target, inputs=inputs) as tmp, tmp.open("xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return target


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """Write a table to CSV or XLSX atomically; return the path."""
    target = Path(path)
    _refuse_inputs(target, inputs)
    writers: dict[str, Callable[[Path], None]] = {
        ".csv": lambda p: df.to_csv(p, index=False),
        ".xlsx": lambda p: df.to_excel(p, index=False),
    }
    if target.suffix.lower() not in writers:
        raise _fail(target, f"unsupported output type {target.suffix!r}.", "use .csv or .xlsx.")
    with atomic_path(target, inputs=inputs) as tmp:
        writers[target.suffix.lower()](tmp)
    return target


def prepare_output_dir(
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Create ``out``; refuse an existing non-empty folder unless ``force``, and any input's folder."""
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise _fail(target, "exists and is a file.", "give a folder path for outputs.")
    if target.exists() and any(target.iterdir()) and not force:
        raise _fail(
            target,
            "output folder is not empty.",
            "choose a new folder or pass --force to overwrite.",
        )
    resolved = target.resolve()
    for inp in inputs:
        if Path(inp).resolve().parent == resolved and force:
            logger.warning(
                "output folder %s also holds input %s; inputs are never overwritten", out, inp
            )
    target.mkdir(parents=True, exist_ok=True)
    return target


def read_accounts(
    path: str | os.PathLike[str],
    units: gpd.GeoDataFrame,
    *,
    account_col: str = "account",
    unit_col: str = "unit",
    lon_col: str = "lon",
    lat_col: str = "lat",
    crs: str | None = None,
) -> pd.DataFrame:
    """Read accounts given per unit (a ``unit`` column) or as points (located by spatial join).

    Points come from a geographic file or from ``lon_col``/``lat_col`` columns (CRS
    ``crs``, default EPSG:4326); each account gets the id of the unit containing it.
    Accounts outside every unit are an error listing them.

    Returns
    -------
    pandas.DataFrame
        The accounts with ``account_col`` and ``unit_col`` as strings.
    """
    p = Path(path)
    _check_file(p)
    geo = p.suffix.lower() in GEO_SUFFIXES
    if geo:
        g = _read_geo(p, None)
        if account_col not in g.columns:
            raise _fail(p, f"column {account_col!r} not found.", "name the account id column.")
        g[account_col] = g[account_col].map(_as_id)
        df: pd.DataFrame = g
    else:
        df = read_table(p, id_cols=[account_col])
    if unit_col in df.columns:
        out = pd.DataFrame(df.drop(columns="geometry", errors="ignore"))
        out[unit_col] = out[unit_col].map(_as_id)
        unknown = sorted(set(out[unit_col].dropna()) - set(units.index.astype(str)))
        if unknown:
            raise _fail(
                p,
                f"unit(s) {', '.join(unknown[:5])} of the accounts are not units.",
                "fix the unit ids.",
            )
        return out
    if geo:
        pts = gpd.GeoDataFrame(df, geometry="geometry", crs=df.crs or crs)
    elif lon_col in df.columns and lat_col in df.columns:
        pts = gpd.GeoDataFrame(
            df, geometry=gpd.points_from_xy(df[lon_col], df[lat_col]), crs=crs or "EPSG:4326"
        )
    else:
        raise _fail(
            p,
            f"accounts have neither a {unit_col!r} column nor point coordinates ({lon_col}/{lat_col}).",
            "add the unit id of each account, or its longitude/latitude.",
        )
    if pts.crs is None:
        raise _fail(p, "account points have no CRS.", "pass crs='EPSG:4326' (or the right one).")
    pts = pts.to_crs(units.crs)
    poly = units[["geometry"]].assign(**{unit_col: units.index.astype(str)})
    hit = gpd.sjoin(pts, poly, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    outside = hit[hit[unit_col].isna()]
    if len(outside):
        raise _fail(
            p,
            f"{len(outside)} account(s) lie outside every unit ({', '.join(map(str, outside[account_col][:5]))}).",
            "check the coordinates (lon/lat order, CRS) or drop those accounts.",
        )
    return pd.DataFrame(hit.drop(columns=["geometry", "index_right"], errors="ignore"))
