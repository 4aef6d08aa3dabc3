"""Export a plan: GeoPackage/GeoJSON, CSV/XLSX tables, per-account change list, maps.

:func:`export_plan` writes everything a sales-operations analyst hands over after a
study into one folder; :func:`account_changes` is the list the sales director sends to
the reps ("account, unit, from rep, to rep"). Every file goes through a temporary file
and an atomic rename, and no output may overwrite an input file.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..data.io import atomic_path, prepare_output_dir
from ..plan.alignment import Alignment
from ..problem.territory_problem import Balance
from .plan_file import PlanSettings, baseline_alignment, write_plan_tables

if TYPE_CHECKING:
    from ..problem.territory_problem import TerritoryProblem

__all__ = [
    "account_changes",
    "export_plan",
    "kpi_alignment",
    "solver_report",
    "territories_geodataframe",
]

logger = logging.getLogger(__name__)


def account_changes(
    alignment: Alignment,
    accounts: pd.DataFrame,
    baseline: pd.Series | None = None,
    *,
    unit_col: str = "unit",
    account_col: str = "account",
) -> pd.DataFrame:
    """Accounts whose rep changes: ``account, unit, from_rep, to_rep`` (+ account columns).

    Parameters
    ----------
    alignment : Alignment
        The new plan.
    accounts : DataFrame
        One row per account with ``account_col`` and ``unit_col``.
    baseline : Series, optional
        The former plan (default: ``alignment.baseline``).
    """
    base = alignment.baseline if baseline is None else baseline
    if base is None:
        raise ValueError("no baseline: pass baseline= or build the alignment with one.")
    frm = accounts[unit_col].map(base)
    to = accounts[unit_col].map(alignment.assignment)
    moved = (frm.astype(object) != to.astype(object)) & to.notna()
    out = accounts.loc[moved].copy()
    out.insert(0, "to_rep", to[moved])
    out.insert(0, "from_rep", frm[moved])
    cols = [account_col, unit_col, "from_rep", "to_rep"]
    rest = [c for c in out.columns if c not in cols]
    return out[cols + rest].sort_values([unit_col, account_col]).reset_index(drop=True)


def _num(x: Any, decimals: int) -> float | None:
    """``x`` rounded, or None when unknown (None/NaN)."""
    if x is None:
        return None
    v = float(x)
    return None if np.isnan(v) else round(v, decimals)


def _metric_row(key: str, value: float) -> tuple[str, object, str]:
    if key.endswith("_pct"):
        return key, _num(value, 2), "%"
    if key in ("units_changed", "accounts_changed"):
        v = _num(value, 0)
        return key, None if v is None else int(v), ""
    if key.endswith("_ratio") or key.endswith("_cv"):
        return key, _num(value, 3), ""
    if key.startswith("compactness"):
        return key, _num(value, 2), "km"
    return key, _num(value, 2), ""


def solver_report(alignment: Alignment, settings: PlanSettings | None = None) -> pd.DataFrame:
    """The solver report, balance settings and plan metrics (``item``, ``value``, ``unit``).

    Numbers are rounded for reading (objective and bound to 2 decimals, with the
    objective's unit when ``settings`` knows it; the gap as ``gap_pct``, a percentage with
    2 decimals; seconds to 0.1 s; % metrics to 2 decimals). The same table is the
    ``solver and metrics`` sheet of the XLSX report and ``{name}_solver.csv``.
    """
    rows: list[tuple[str, object, str]] = []
    rep = alignment.report
    if rep is not None:
        unit = (settings.objective_unit if settings else None) or ""
        rows += [
            ("status", rep.status, ""),
            ("solver", rep.solver, ""),
            ("seconds", _num(rep.seconds, 1), "s"),
            ("objective", _num(rep.objective, 2), unit),
            ("bound", _num(rep.bound, 2), unit),
            ("gap_pct", _num(None if rep.gap is None else 100.0 * rep.gap, 2), "%"),
            ("message", rep.message, ""),
        ]
    for b in settings.balance if settings else ():
        if b.tolerance is not None:
            rows.append((f"{b.measure}_tolerance_pct", _num(100.0 * b.tolerance, 2), "%"))
        for attr in ("lower", "upper", "penalty"):
            if getattr(b, attr) is not None:
                rows.append((f"{b.measure}_{attr}", _num(getattr(b, attr), 2), ""))
    rows += [_metric_row(k, v) for k, v in alignment.metrics().items()]
    return pd.DataFrame(rows, columns=["item", "value", "unit"])


def _rounded(frame: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy with every float column rounded (no 17-digit floats in CSV/XLSX)."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(decimals)
    return out


def territories_geodataframe(alignment: Alignment) -> gpd.GeoDataFrame:
    """Territories dissolved from the units, with the per-territory table as attributes."""
    if alignment.units is None:
        raise ValueError("the alignment has no unit geometry.")
    units = alignment.units[["geometry"]].assign(
        rep=alignment.assignment.reindex(alignment.units.index)
    )
    terr = units.dissolve(by="rep")
    table = alignment.territory_table()
    return gpd.GeoDataFrame(table.join(terr), geometry="geometry", crs=units.crs).reset_index()


def _write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write every sheet; all frames are computed before the workbook is opened, so a
    failure cannot leave openpyxl closing an empty workbook (which hides the real error)."""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for sheet, frame in sheets.items():
            frame.to_excel(xl, sheet_name=sheet[:31], index=False)


def _quality_sheet(alignment: Alignment, before: Alignment | None) -> pd.DataFrame:
    """The plan's figures (:func:`~territory_opt.plan.quality.quality_table`) beside the current plan's."""
    from ..plan.quality import quality_table

    cur = before if before is not None else baseline_alignment(alignment)
    plans = {"current": cur, "plan": alignment} if cur is not None else {"plan": alignment}
    return _rounded(quality_table(plans), 3).reset_index()


def kpi_alignment(alignment: Alignment, kpis: pd.DataFrame, column: str) -> Alignment:
    """A copy of ``alignment`` whose units carry a territory KPI, for a KPI choropleth.

    Each unit gets its territory's ``kpis[column]``; draw it with
    ``plot_alignment(al, choropleth=column, choropleth_density=False)``.
    """
    if column not in kpis.columns:
        raise ValueError(f"KPI {column!r} not in the table: use one of {list(kpis.columns)}.")
    values = alignment.assignment.map(kpis[column]).astype(float)
    measures = alignment.measures.assign(**{column: values.reindex(alignment.measures.index)})
    return replace(alignment, measures=measures)


def island_bridges(problem: TerritoryProblem) -> pd.DataFrame:
    """The links the adjacency made to islands: ``unit``, ``linked_to``, ``gap_km`` (names too)."""
    graph = getattr(problem, "graph", None)
    edges = list(graph.graph.get("bridged_edges", [])) if graph is not None else []
    table = pd.DataFrame(edges, columns=["unit", "linked_to", "gap_km"])
    table["gap_km"] = table["gap_km"].astype(float).round(2)
    return table


def export_plan(
    alignment: Alignment,
    out: str | os.PathLike[str],
    *,
    accounts: pd.DataFrame | None = None,
    before: Alignment | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
    maps: bool = True,
    name: str = "plan",
    kpis: pd.DataFrame | None = None,
    map_name: str | None = None,
    settings: PlanSettings | None = None,
    problem: TerritoryProblem | None = None,
) -> dict[str, Path]:
    """Write a plan and its reports into folder ``out``.

    Files: ``{name}.gpkg`` (layers ``units`` and ``territories``, and the tables of
    :mod:`territory_opt.reports.plan_file`: reps, settings, solve report... so that
    :func:`~territory_opt.reports.plan_file.read_plan` gives the plan back exactly),
    ``{name}.geojson`` (units with their rep), ``{name}_territories.csv``,
    ``{name}_solver.csv``, ``{name}_changes.csv`` (per unit),
    ``{name}_account_changes.csv`` (per account, when ``accounts`` and a baseline are
    known), ``{name}_report.xlsx`` (sheets territories, solver and metrics, unit changes,
    account changes), and with ``maps``: ``{name}_map.html`` (offline), ``{name}.png`` and,
    when a former plan is known, ``{name}_before_after.html``. Tables are rounded to 2
    decimals; files are readable by others (``0o666`` minus the umask).

    Everything is written into a hidden staging folder next to ``out`` and moved into
    ``out`` at the end: a failure leaves no partial output (and a new ``out`` is removed).

    Parameters
    ----------
    alignment : Alignment
        The plan.
    out : path-like
        Output folder; refused when it exists and is not empty unless ``force``.
    accounts : DataFrame, optional
        Account list (``account``, ``unit``...) for the per-account change list.
    before : Alignment, optional
        The former plan for the comparison map (default: built from the baseline).
    inputs : iterable of path-like
        Input files, never overwritten.
    force : bool
        Write into a non-empty ``out`` (files of the same name are replaced).
    maps : bool
        Write the HTML maps and the PNG.
    name : str
        File name prefix.
    kpis : DataFrame, optional
        KPIs per territory (:func:`territory_opt.salesforce.kpis.kpi_table`): written as the
        ``kpis`` sheet of the XLSX report and as one HTML dashboard per rep in
        ``dashboards/``.
    map_name : str, optional
        File name of the plan map (default ``{name}_map.html``).
    settings : PlanSettings, optional
        Balance tolerances and the objective's unit (``SavedPlan.settings`` when
        re-exporting a saved plan).
    problem : TerritoryProblem, optional
        The problem solved; gives ``settings`` when they are not passed, and the links
        made to islands (``{name}_bridges.csv`` and an ``island bridges`` sheet).

    Returns
    -------
    dict
        Kind -> path of every file written.
    """
    inputs = list(inputs)
    if settings is None:
        settings = (
            PlanSettings.from_problem(problem)
            if problem is not None
            else PlanSettings(tuple(Balance(m) for m in alignment.balance_measures))
        )
    target = Path(out)
    existed = target.exists()
    final = prepare_output_dir(target, force=force, inputs=inputs)
    stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.resolve().parent))
    try:
        bridges = island_bridges(problem) if problem is not None else None
        base = alignment.baseline
        tables = (
            _rounded(alignment.territory_table()),
            _rounded(alignment.changes()) if base is not None else None,
            account_changes(alignment, accounts)
            if accounts is not None and base is not None
            else None,
        )
        written = _geodata_files(alignment, stage, name, inputs, settings, accounts)
        written |= _table_files(
            alignment, stage, name, inputs, settings, tables, (before, kpis, bridges)
        )
        if kpis is not None:
            written |= _dashboard_files(kpis, stage, force)
        if maps and alignment.units is not None:
            written |= _map_files(alignment, stage, name, map_name, settings, before, kpis)
        logger.info("wrote %d files into %s", len(written), stage)
        resolved = {Path(p).resolve() for p in inputs}
        for entry in sorted(stage.iterdir()):
            dest = final / entry.name
            if dest.resolve() in resolved:
                raise OSError(f"{dest}: is an input file; outputs never overwrite inputs.")
            if entry.is_dir() and dest.is_dir():
                shutil.rmtree(dest)
            os.replace(entry, dest)
    except BaseException:
        if not existed and final.exists() and not any(final.iterdir()):
            final.rmdir()
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return {kind: final / p.relative_to(stage) for kind, p in written.items()}


def _geodata_files(
    alignment: Alignment,
    folder: Path,
    name: str,
    inputs: list[str | os.PathLike[str]],
    settings: PlanSettings,
    accounts: pd.DataFrame | None,
) -> dict[str, Path]:
    """``{name}.gpkg`` (units, territories, the plan tables) and ``{name}.geojson``."""
    written: dict[str, Path] = {}
    if alignment.units is None:
        return written
    base = alignment.baseline
    units = alignment.units.copy()
    units["rep"] = alignment.assignment.reindex(units.index)
    for col in alignment.measures.columns:
        if col not in units.columns:
            units[col] = alignment.measures[col].reindex(units.index)
    if base is not None:
        units["current_rep"] = base.reindex(units.index)
    units = units.reset_index(names="unit")
    terr = territories_geodataframe(alignment)
    path = folder / f"{name}.gpkg"
    with atomic_path(path, inputs=inputs) as tmp:
        units.to_file(tmp, layer="units", driver="GPKG")
        terr.to_file(tmp, layer="territories", driver="GPKG")
        write_plan_tables(tmp, alignment, settings=settings, accounts=accounts)
    written["gpkg"] = path
    path = folder / f"{name}.geojson"
    with atomic_path(path, inputs=inputs) as tmp:
        units.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
    written["geojson"] = path
    return written


def _table_files(
    alignment: Alignment,
    folder: Path,
    name: str,
    inputs: list[str | os.PathLike[str]],
    settings: PlanSettings,
    tables: tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None],
    extra: tuple[Alignment | None, pd.DataFrame | None, pd.DataFrame | None],
) -> dict[str, Path]:
    """The CSV files and the XLSX report; ``tables``: territories, unit and account
    changes; ``extra``: the former plan, the KPIs and the island bridges."""
    table, unit_changes, acc_changes = tables
    before, kpis, bridges = extra
    written: dict[str, Path] = {}
    solver = solver_report(alignment, settings)
    csvs = {"territories": table.reset_index(), "solver": solver}
    if bridges is not None and len(bridges):
        csvs["bridges"] = bridges
    if unit_changes is not None:
        csvs["changes"] = unit_changes
    if acc_changes is not None:
        csvs["account_changes"] = acc_changes
    for kind, frame in csvs.items():
        path = folder / f"{name}_{kind}.csv"
        with atomic_path(path, inputs=inputs) as tmp:
            frame.to_csv(tmp, index=False)
        written[kind] = path
    path = folder / f"{name}_report.xlsx"
    sheets = {"territories": table.reset_index(), "solver and metrics": solver}
    if unit_changes is not None:
        sheets["unit changes"] = unit_changes
    if acc_changes is not None:
        sheets["account changes"] = acc_changes
    if kpis is not None:
        sheets["kpis"] = kpis.reset_index()
    sheets["plan quality"] = _quality_sheet(alignment, before)
    if bridges is not None and len(bridges):
        sheets["island bridges"] = bridges
    with atomic_path(path, inputs=inputs) as tmp:
        _write_xlsx(sheets, tmp)
    written["xlsx"] = path
    return written


def _dashboard_files(kpis: pd.DataFrame, folder: Path, force: bool) -> dict[str, Path]:
    """One HTML dashboard per rep in ``dashboards/``."""
    from ..salesforce.kpis import TOTAL, rep_dashboard_html

    written: dict[str, Path] = {}
    for rep in kpis.index:
        if rep == TOTAL:
            continue
        p = rep_dashboard_html(kpis, rep, folder / "dashboards" / f"{rep}.html", overwrite=force)
        written[f"dashboard {rep}"] = p
    return written


def _map_files(
    alignment: Alignment,
    folder: Path,
    name: str,
    map_name: str | None,
    settings: PlanSettings,
    before: Alignment | None,
    kpis: pd.DataFrame | None,
) -> dict[str, Path]:
    """The plan map, the PNG, the before/after map and the KPI map."""
    from ..viz.maps import plot_alignment, plot_comparison, save_html, save_png

    written: dict[str, Path] = {}
    m = plot_alignment(alignment, tolerance=settings.tolerance)
    written["map"] = save_html(m, folder / (map_name or f"{name}_map.html"))
    written["png"] = save_png(alignment, folder / f"{name}.png")
    if before is None:
        before = baseline_alignment(alignment)
    if before is not None:
        cmp = plot_comparison(before, alignment, tolerance=settings.tolerance)
        written["comparison"] = save_html(cmp, folder / f"{name}_before_after.html")
    kpi_col = next(
        (c for c in ("penetration", "retention", "growth") if kpis is not None and c in kpis),
        None,
    )
    if kpis is not None and kpi_col is not None:
        kmap = plot_alignment(
            kpi_alignment(alignment, kpis, kpi_col),
            choropleth=kpi_col,
            choropleth_density=False,
            choropleth_show=True,
            title=f"KPI: {kpi_col}",
        )
        written["kpi_map"] = save_html(kmap, folder / f"{name}_kpi_map.html")
    return written
