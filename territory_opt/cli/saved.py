"""``territory-opt map`` and ``territory-opt report``: a saved plan drawn and reported again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import ValidationError
from ._app import app, console, errors_reported, out
from ._inputs import check_output_dir, check_output_file
from ._show import show_files, show_plan

__all__ = ["map_cmd", "report"]


def _read_saved(plan: Path, rep_col: str, before_col: str | None) -> Any:
    """The saved plan with its reps, FTEs, tolerances and solve report; warnings printed."""
    from ..reports.plan_file import read_plan

    saved = read_plan(plan, rep_col=rep_col, before_col=before_col)
    for warning in saved.warnings:
        console.print(f"[yellow]{warning}[/]")
    return saved


def _with_assignment(saved: Any, path: Path) -> Any:
    """The saved plan with each unit's rep taken from an edited ``unit,rep`` file."""
    import dataclasses

    from ..data.io import read_assignment

    edited = read_assignment(path, unit_col="unit", rep_col="rep")
    after = saved.after
    units = after.assignment.index
    missing = [u for u in units if u not in edited.index]
    unknown = sorted({str(r) for r in edited if r not in after.reps.index})
    extra = [u for u in edited.index if u not in units]
    if missing or unknown or extra:
        raise ValidationError(
            f"{path}: "
            + "; ".join(
                text
                for text in (
                    f"{len(missing)} unit(s) of the plan have no row (e.g. {missing[:3]})"
                    if missing
                    else "",
                    f"rep(s) {unknown[:5]} are not reps of the plan" if unknown else "",
                    f"{len(extra)} unit(s) are not in the plan (e.g. {extra[:3]})" if extra else "",
                )
                if text
            )
            + ". Fix: give one row per unit of the plan with one of its reps (the edit map's "
            "download is such a file)."
        )
    # changes are counted against the plan's own current plan, else against the plan edited
    base = after.baseline if after.baseline is not None else after.assignment
    new = dataclasses.replace(after, assignment=edited.reindex(units), baseline=base, report=None)
    return dataclasses.replace(saved, after=new)


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
    edit: Annotated[
        bool,
        typer.Option(
            help="Meeting-room map: click a commune, give it to another rep, watch the table "
            "move; undo/redo; download the edited plan (CSV unit,rep, accepted by --baseline)."
        ),
    ] = False,
    title: Annotated[
        str | None, typer.Option(help="Title on the map (scenario name); default: the file name.")
    ] = None,
) -> None:
    """Draw a saved plan as one offline HTML map (before/after when the former plan is known).

    Example: territory-opt map out/plan/plan.gpkg --out meeting.html
    """
    from ..viz.editor import edit_map
    from ..viz.maps import plot_alignment, plot_comparison, save_html, save_png

    with errors_reported():
        check_output_file(out_file, inputs=[plan], suffixes=(".html", ".htm"))
        saved = _read_saved(plan, rep_col, before_col)
        tol = saved.settings.tolerance
        name = title or plan.stem
        if edit:
            m = edit_map(
                saved.after, baseline=saved.before, title=name, tolerance=tol,
                baseline_label="Before",
            )  # fmt: skip
        elif saved.before is not None:
            m = plot_comparison(saved.before, saved.after, tolerance=tol, title=name)
        else:
            m = plot_alignment(saved.after, tolerance=tol, title=name)
        path = save_html(m, out_file)
        if png:
            save_png(saved.after, out_file.with_suffix(".png"))
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
    assignment: Annotated[
        Path | None,
        typer.Option(
            help="An edited plan (CSV unit,rep, e.g. the meeting-room map's download) to report "
            "with the saved plan's reps, FTEs, tolerances and current plan."
        ),
    ] = None,
) -> None:
    """Re-create the tables, XLSX report and change lists of a saved plan.

    Example: territory-opt report out/plan/plan.gpkg --accounts accounts.csv --out out/report
    """
    from ..data.io import read_table
    from ..reports.export import export_plan

    with errors_reported():
        check_output_dir(out_dir, force=force, inputs=[plan, *([accounts] if accounts else [])])
        saved = _read_saved(plan, rep_col, before_col)
        if assignment is not None:
            saved = _with_assignment(saved, assignment)
        acc = read_table(accounts, id_cols=["account", "unit"]) if accounts else saved.accounts
        files = export_plan(
            saved.after,
            out_dir,
            accounts=acc,
            before=saved.before,
            settings=saved.settings,
            inputs=[plan, *([accounts] if accounts else []), *([assignment] if assignment else [])],
            force=force,
        )
    show_plan(saved.after, saved.settings.objective_unit)
    show_files(files)
