"""``territory-opt validate`` and ``territory-opt optimize``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..data.validate import validate_inputs
from ..exceptions import ValidationError
from ._app import EXIT_TIME, app, console, errors_reported, out
from ._inputs import (
    check_output_dir,
    load_inputs,
    parse_balance,
    problem_settings,
    solver_settings,
)
from ._options import InputOptions, SolveOptions, with_options
from ._show import live_progress, show_bridges, show_files, show_plan

__all__ = ["optimize", "validate"]


@app.command()
@with_options
def validate(
    inputs: InputOptions,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", "-m", help="Measure column to check (repeat).")
    ] = None,
) -> None:
    """Check the inputs and list every problem with its fix.

    Example: territory-opt validate communes.gpkg --unit-id insee --reps reps.csv -m workload -m potential
    """
    with errors_reported():
        if inputs.reps is None and not inputs.demo:
            from ..data.io import read_units

            path = inputs.units_path
            if path is None:
                raise ValidationError("give a units file (or --demo).")
            units = read_units(path, id_col=inputs.unit_id, layer=inputs.layer)
            validate_inputs(units, None, measures=measure or [])
            out.print(f"[green]OK[/]: {len(units)} units, no problem found.")
            return
        data = load_inputs(inputs)
        validate_inputs(data.units, data.reps, measures=measure or [], baseline=data.baseline)
        show_bridges(data.bridges(), data.names())
    out.print(f"[green]OK[/]: {len(data.units)} units, {len(data.reps)} reps, no problem found.")


@app.command()
@with_options
def optimize(
    inputs: InputOptions,
    solve: SolveOptions,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    force: Annotated[bool, typer.Option(help="Write into a non-empty output folder.")] = False,
    maps: Annotated[bool, typer.Option(help="Write the HTML maps and PNG.")] = True,
    share_dense: Annotated[
        str,
        typer.Option(
            help="Share dense units (a city too big for one territory) between reps: auto "
            "(only when whole units make the balance impossible), yes, or no."
        ),
    ] = "auto",
) -> None:
    """Optimize territories and write the plan, reports and maps.

    Example: territory-opt optimize --demo --balance workload=0.05 --balance potential=0.05
    --max-changes 30% --solver highs --time-limit 60 --out out/plan
    """
    from ..problem.territory_problem import TerritoryProblem
    from ..reports.export import export_plan
    from ..reports.plan_file import PlanSettings
    from ..solve.pipeline import dense_blockers
    from ..solve.pipeline import optimize as run
    from ..studies.sharing import optimize_shared

    with errors_reported():
        check_output_dir(out_dir, force=force, inputs=inputs.paths)
        if share_dense not in ("auto", "yes", "no"):
            raise ValidationError(f"--share-dense {share_dense!r}: choose auto, yes or no.")
        data = load_inputs(inputs)
        bal = parse_balance(solve.balance)
        measures = data.measures(bal)
        validate_inputs(data.units, data.reps, measures=measures, baseline=data.baseline)
        settings: dict[str, Any] = problem_settings(solve, data.units)
        run_settings = solver_settings(solve)
        show_bridges(data.bridges(), data.names())
        problem = TerritoryProblem.from_geodataframe(
            data.units, data.reps, measures=measures, balance=bal, baseline=data.baseline,
            graph=data.graph, **settings,
        )  # fmt: skip
        blockers = dense_blockers(problem) if share_dense == "auto" else []
        for sentence in blockers[:3]:
            out.print(f"[yellow]Whole units cannot be balanced[/]: {sentence}")
        with live_progress("optimize", solve.time_limit) as progress:
            if progress is not None:
                run_settings["progress"] = progress
            if share_dense == "yes" or blockers:
                out.print("Sharing dense units between reps (territory_opt.studies.sharing).")
                plan = optimize_shared(
                    data.units, data.reps, measures=measures, balance=bal,
                    baseline=data.baseline, graph=data.graph, solve=run_settings, **settings,
                )  # fmt: skip
            else:
                plan = run(problem, **run_settings)
        saved = PlanSettings.from_problem(problem)
        files = export_plan(
            plan, out_dir, accounts=data.accounts, inputs=data.paths, force=force, maps=maps,
            settings=saved, problem=problem,
        )  # fmt: skip
    show_plan(
        plan, saved.objective_unit, travel=settings.get("cost"), travel_unit=solve.travel_unit
    )
    show_files(files)
    if plan.report is not None and plan.report.status == "no_solution":
        console.print("[bold yellow]Time limit reached without a plan meeting every constraint.[/]")
        raise typer.Exit(EXIT_TIME)
