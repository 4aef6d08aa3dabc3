"""``territory-opt map`` and ``territory-opt report``: a saved plan drawn and reported again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import ValidationError
from ._app import app, errors_reported, out
from ._inputs import check_output_dir, check_output_file
from ._show import show_files, show_plan

__all__ = ["map_cmd", "report"]


def _saved_plan(plan: Path, rep_col: str, before_col: str | None) -> tuple[Any, Any]:
    """Alignment(s) from a plan written by ``optimize`` (its GPKG ``units`` layer)."""
    import geopandas as gpd

    from ..alignment import Alignment

    layer = "units" if plan.suffix.lower() == ".gpkg" else None
    try:
        units = gpd.read_file(plan, layer=layer)
    except Exception as exc:
        raise ValidationError(
            f"{plan}: cannot read the plan ({exc}); give a plan.gpkg from optimize."
        ) from exc
    id_col = "unit" if "unit" in units.columns else units.columns[0]
    units[id_col] = units[id_col].astype(str)
    units = units.set_index(id_col)
    if rep_col not in units.columns:
        raise ValidationError(f"{plan}: no {rep_col!r} column; pass --rep-col.")
    measures = units.select_dtypes("number")
    balance = tuple(c for c in ("workload", "potential") if c in measures.columns)
    after = Alignment.from_assignment(
        units[rep_col].astype(str),
        measures=measures,
        balance_measures=balance,
        units=units[["geometry"] + (["name"] if "name" in units.columns else [])],
        baseline=units[before_col].astype(str)
        if before_col and before_col in units.columns
        else None,
    )
    before = None
    if before_col and before_col in units.columns:
        before = Alignment.from_assignment(
            units[before_col].astype(str),
            measures=measures,
            balance_measures=balance,
            units=after.units,
        )
    return after, before


def _read_saved(plan: Path, rep_col: str, before_col: str | None) -> tuple[Any, Any]:
    try:
        return _saved_plan(plan, rep_col, before_col)
    except ValidationError:
        raise
    except ValueError as exc:  # a plan file that geopandas/pandas cannot make sense of
        raise ValidationError(f"{plan}: {exc}") from exc


@app.command("map")
def map_cmd(
    plan: Annotated[
        Path,
        typer.Argument(help="plan.gpkg written by optimize (or any units file with a rep column)."),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("map.html"),
    rep_col: Annotated[str, typer.Option(help="Column with each unit's rep.")] = "rep",
    before_col: Annotated[
        str | None, typer.Option(help="Former plan column: draws before/after.")
    ] = "current_rep",
    png: Annotated[bool, typer.Option(help="Also write a PNG next to it.")] = False,
) -> None:
    """Draw a saved plan as one offline HTML map (before/after when the former plan is known).

    Example: territory-opt map out/plan/plan.gpkg --out meeting.html
    """
    from ..maps import plot_alignment, plot_comparison, save_html, save_png

    with errors_reported():
        check_output_file(out_file, inputs=[plan], suffixes=(".html", ".htm"))
        after, before = _read_saved(plan, rep_col, before_col)
        m = plot_comparison(before, after) if before is not None else plot_alignment(after)
        path = save_html(m, out_file)
        if png:
            save_png(after, out_file.with_suffix(".png"))
    out.print(f"written: {path}")


@app.command()
def report(
    plan: Annotated[Path, typer.Argument(help="plan.gpkg written by optimize.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("report"),
    rep_col: Annotated[str, typer.Option(help="Column with each unit's rep.")] = "rep",
    before_col: Annotated[str | None, typer.Option(help="Former plan column.")] = "current_rep",
    accounts: Annotated[
        Path | None, typer.Option(help="Accounts (account, unit) for the per-account change list.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Write into a non-empty folder.")] = False,
) -> None:
    """Re-create the tables, XLSX report and change lists of a saved plan.

    Example: territory-opt report out/plan/plan.gpkg --accounts accounts.csv --out out/report
    """
    from ..io import read_table
    from ..report import export_plan

    with errors_reported():
        check_output_dir(out_dir, force=force, inputs=[plan, *([accounts] if accounts else [])])
        after, before = _read_saved(plan, rep_col, before_col)
        acc = read_table(accounts, id_cols=["account", "unit"]) if accounts else None
        files = export_plan(
            after,
            out_dir,
            accounts=acc,
            before=before,
            inputs=[plan] + ([accounts] if accounts else []),
            force=force,
        )
    show_plan(after, "")
    show_files(files)
