"""``territory-opt whatif``: a rep joins, leaves or moves; re-optimize from the current plan."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..exceptions import ValidationError
from ._app import EXIT_TIME, app, console, errors_reported, out
from ._inputs import (
    check_output_dir,
    load_inputs,
    parse_balance,
    problem_settings,
    solver_settings,
)
from ._options import InputOptions, SolveOptions, WhatIfOptions, with_options
from ._show import live_progress, show_bridges, show_files, show_plan

__all__ = ["whatif_add", "whatif_move", "whatif_remove"]

whatif_app = typer.Typer(
    help="What-if: a rep joins, leaves or moves; re-optimize from the current plan."
)
app.add_typer(whatif_app, name="whatif")


def study_from(inputs: InputOptions, solve: SolveOptions, *, progress: Any = None) -> Any:
    """The :class:`~territory_opt.studies.scenarios.Study` the options describe, and its inputs."""
    from ..studies.scenarios import Study

    data = load_inputs(inputs)
    if data.baseline is None:
        raise ValidationError(
            "a what-if needs the current plan: --baseline FILE or --baseline-col COLUMN."
        )
    bal = parse_balance(solve.balance)
    settings = problem_settings(solve, data.units)
    if settings["disruption_budget"] is None:
        del settings["disruption_budget"]
    run = solver_settings(solve)
    if progress is not None:
        run["progress"] = progress
    show_bridges(data.bridges(), data.names())
    study = Study(
        data.units,
        data.reps,
        data.baseline,
        balance=bal,
        measures=tuple(data.measures(bal)),
        problem_settings=settings,
        solve_settings=run,
        graph=data.graph,
    )
    return study, data, settings


def _run(
    action: str,
    inputs: InputOptions,
    solve: SolveOptions,
    what_if: WhatIfOptions,
    **event: Any,
) -> None:
    from ..reports.plan_file import PlanSettings
    from ..studies.scenarios import add_rep, move_rep, remove_rep

    mode, out_dir, force = what_if.mode, what_if.out_dir, what_if.force
    with errors_reported():
        if out_dir is not None:
            check_output_dir(out_dir, force=force, inputs=inputs.paths)
        if mode not in ("complete", "local"):
            raise ValidationError(f"--mode {mode!r}: choose complete or local.")
        with live_progress(f"whatif {action}", solve.time_limit) as progress:
            study, data, _ = study_from(inputs, solve, progress=progress)
            rep = event.pop("rep")
            if action == "add":
                res = add_rep(study, rep, event["home"], fte=event["fte"], name=event["name"],
                              mode=mode)  # type: ignore[arg-type]  # fmt: skip
            elif action == "remove":
                res = remove_rep(study, rep, mode=mode)  # type: ignore[arg-type]
            else:
                res = move_rep(study, rep, event["home"], mode=mode)  # type: ignore[arg-type]
        problem = study.problem()
        saved = PlanSettings.from_problem(problem)
        files: dict[str, Path] = {}
        if out_dir is not None:
            files = res.export(
                out_dir,
                accounts=data.accounts,
                inputs=data.paths,
                force=force,
                settings=saved,
                problem=problem,
            )
    show_plan(
        res.after,
        saved.objective_unit,
        travel=study.problem_settings.get("cost"),
        travel_unit=solve.travel_unit,
    )
    t = Table(title=res.name)
    t.add_column("figure")
    t.add_column("value", justify="right")
    for k, v in res.summary.items():
        t.add_row(k, f"{v:,.2f}" if isinstance(v, float) else str(v))
    out.print(t)
    show_files(files)
    if res.after.report is not None and res.after.report.status == "no_solution":
        console.print("[bold yellow]Time limit reached without a plan meeting every constraint.[/]")
        raise typer.Exit(EXIT_TIME)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@whatif_app.command("add-rep")
@with_options
def whatif_add(
    rep: Annotated[str, typer.Argument(help="New rep id.")],
    home_unit: Annotated[str, typer.Argument(metavar="HOME", help="Home unit id.")],
    inputs: InputOptions,
    solve: SolveOptions,
    what_if: WhatIfOptions,
    rep_fte: Annotated[float, typer.Option(help="FTE of the new rep.")] = 1.0,
    name: Annotated[str | None, typer.Option(help="Name of the new rep.")] = None,
) -> None:
    """Add a rep living in HOME.

    Example: territory-opt whatif add-rep R18 76540 --demo --name "Alice Martin" --rep-fte 0.8
    """
    if _is_number(inputs.fte):  # the former `--fte 0.8` of add-rep: the new rep's FTE
        rep_fte, inputs = float(inputs.fte), dataclasses.replace(inputs, fte="fte")
    _run("add", inputs, solve, what_if, rep=rep, home=home_unit, fte=rep_fte, name=name)


@whatif_app.command("remove-rep")
@with_options
def whatif_remove(
    rep: Annotated[str, typer.Argument(help="Leaving rep id.")],
    inputs: InputOptions,
    solve: SolveOptions,
    what_if: WhatIfOptions,
) -> None:
    """A rep leaves: their units go to others.

    Example: territory-opt whatif remove-rep R05 --demo --mode local
    """
    _run("remove", inputs, solve, what_if, rep=rep)


@whatif_app.command("move-rep")
@with_options
def whatif_move(
    rep: Annotated[str, typer.Argument(help="Rep id.")],
    home_unit: Annotated[str, typer.Argument(metavar="HOME", help="New home unit id.")],
    inputs: InputOptions,
    solve: SolveOptions,
    what_if: WhatIfOptions,
) -> None:
    """A rep moves home.

    Example: territory-opt whatif move-rep R05 50129 --demo
    """
    _run("move", inputs, solve, what_if, rep=rep, home=home_unit)
