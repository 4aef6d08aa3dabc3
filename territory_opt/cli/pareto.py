"""``territory-opt pareto``: compactness vs accounts changing rep, one solve per budget."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._app import app, errors_reported, out
from ._inputs import check_output_file, parse_budget
from ._options import InputOptions, SolveOptions, with_options
from ._show import live_progress
from .whatif import study_from

if TYPE_CHECKING:
    from ..studies.scenarios import Study

__all__ = ["pareto"]


@app.command()
@with_options
def pareto(
    inputs: InputOptions,
    solve: SolveOptions,
    budgets: Annotated[
        str, typer.Option(help="Comma-separated budgets, e.g. 10%,20%,40% or 100,200.")
    ] = "10%,20%,30%,40%,60%,100%",
    out_file: Annotated[Path, typer.Option("--out", help="CSV of the curve.")] = Path("pareto.csv"),
    tolerances: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated balance tolerances, e.g. 5%,10%,15%: one curve per tolerance "
            "(balance x accounts changing rep x travel), a PNG beside --out."
        ),
    ] = None,
    plans: Annotated[
        Path | None,
        typer.Option(help="With --tolerances: export every efficient point's plan and maps here."),
    ] = None,
) -> None:
    """Balance/compactness vs accounts changing rep: one solve per disruption budget.

    --time-limit is per point. Example: territory-opt pareto --demo --budgets 20%,30%,40%,60%
    --time-limit 60
    """
    from ..data.io import write_table
    from ..studies.scenarios import pareto_curve

    with errors_reported():
        check_output_file(out_file, inputs=inputs.paths, suffixes=(".csv", ".xlsx"))
        with live_progress("pareto", None) as progress:
            study, data, _ = study_from(inputs, solve, progress=progress)
            study = _soft(study)
            total = (
                float(data.units["accounts"].sum()) if "accounts" in data.units.columns else None
            )
            points = [parse_budget(x.strip(), total) for x in budgets.split(",") if x.strip()]
            valid = [p for p in points if p is not None]
            if tolerances:
                curve = _surface(study, tolerances, valid, out_file, plans, data)
            else:
                curve = pareto_curve(study, valid)
        write_table(curve, out_file, inputs=data.paths)
    out.print(curve.to_string(index=False, na_rep="—"), soft_wrap=True)
    out.print(f"written: {out_file}")


def _soft(study: Study) -> Study:
    """Infeasible budgets are rows of the curve, not errors."""
    return dataclasses.replace(
        study, solve_settings={**study.solve_settings, "raise_infeasible": False}
    )


def _surface(
    study: Study, tolerances: str, budgets: list[float | str], out_file: Path, plans: Path | None,
    data: Any,
) -> Any:  # fmt: skip
    """The trade-off surface, its PNG and (with ``plans``) every efficient plan exported."""
    from ..exceptions import ValidationError
    from ..reports.export import export_plan
    from ..studies.tradeoffs import plot_tradeoffs, tradeoff_surface

    tols = []
    for text in (t.strip() for t in tolerances.split(",")):
        if not text:
            continue
        try:
            value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            value = -1.0
        if not 0 <= value < 1:
            raise ValidationError(
                f"--tolerances {text!r}: not a tolerance; write shares or percentages, "
                "e.g. --tolerances 5%,10%,15%."
            )
        tols.append(value)
    surface = tradeoff_surface(study, tols, budgets)
    png = out_file.with_suffix(".png")
    plot_tradeoffs(surface, png)
    out.print(f"figure: {png}")
    if plans is not None:
        for idx, al in surface.attrs["alignments"].items():
            row = surface.loc[idx]
            if not row["efficient"]:
                continue
            name = f"tol{row['tolerance_pct']:g}_budget{float(row['budget']):g}"
            export_plan(al, plans / name, accounts=data.accounts, inputs=data.paths, force=True)
        out.print(f"efficient plans: {plans}")
    return surface.round(3)
