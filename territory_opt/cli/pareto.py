"""``territory-opt pareto``: compactness vs accounts changing rep, one solve per budget."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
) -> None:
    """Balance/compactness vs accounts changing rep: one solve per disruption budget.

    --time-limit is per point. Example: territory-opt pareto --demo --budgets 20%,30%,40%,60%
    --time-limit 60
    """
    from ..data.io import write_table
    from ..studies.scenarios import pareto_curve

    with errors_reported():
        paths = [p for p in (inputs.units_path, inputs.reps, inputs.baseline) if p is not None]
        check_output_file(out_file, inputs=paths, suffixes=(".csv", ".xlsx"))
        with live_progress("pareto", None) as progress:
            study, data, _ = study_from(inputs, solve, progress=progress)
            study = _soft(study)
            total = (
                float(data.units["accounts"].sum()) if "accounts" in data.units.columns else None
            )
            points = [parse_budget(x.strip(), total) for x in budgets.split(",") if x.strip()]
            curve = pareto_curve(study, [p for p in points if p is not None])
        write_table(curve, out_file, inputs=data.paths)
    out.print(curve.to_string(index=False, na_rep="—"), soft_wrap=True)
    out.print(f"written: {out_file}")


def _soft(study: Study) -> Study:
    """Infeasible budgets are rows of the curve, not errors."""
    return dataclasses.replace(
        study, solve_settings={**study.solve_settings, "raise_infeasible": False}
    )
