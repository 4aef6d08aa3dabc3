"""``territory-opt``: the command line for sales-operations analysts.

Exit codes: 0 ok; 1 user error (clear message, no traceback unless ``--debug``);
2 infeasible, with a diagnosis; 3 time limit reached without a feasible plan.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .exceptions import InfeasibleError, SolverError, TerritoryError, ValidationError
from .io import read_assignment, read_table, read_units
from .validate import validate_inputs

__all__ = ["app", "main"]

app = typer.Typer(
    name="territory-opt",
    help="Design balanced, contiguous sales territories. Run a command with --help for examples.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()

EXIT_USER, EXIT_INFEASIBLE, EXIT_TIME = 1, 2, 3


class _State:
    debug = False


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    _State.debug = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(message)s"
    )


def _fail(exc: Exception) -> None:
    if _State.debug:
        raise exc
    if isinstance(exc, InfeasibleError):
        console.print(f"[bold red]Infeasible[/]: {exc}")
        raise typer.Exit(EXIT_INFEASIBLE)
    console.print(f"[bold red]Error[/]: {exc}")
    raise typer.Exit(EXIT_USER)


def _problems_table(exc: ValidationError) -> Table:
    table = Table(title=f"{len(exc.problems)} problem(s)", show_lines=True)
    for col in ("where", "item", "problem", "fix"):
        table.add_column(col, overflow="fold")
    for p in exc.problems:
        table.add_row(p.where, p.item, p.message, p.fix)
    return table


@app.command()
def validate(
    units: Annotated[
        Path, typer.Argument(help="Units file: GPKG, GeoJSON, Shapefile, CSV (WKT or lon/lat).")
    ],
    reps: Annotated[
        Path | None, typer.Option(help="Reps table (CSV/XLSX): id, home unit, FTE.")
    ] = None,
    unit_id: Annotated[str, typer.Option(help="Unit id column.")] = "id",
    rep_id: Annotated[str, typer.Option(help="Rep id column.")] = "rep",
    home: Annotated[str, typer.Option(help="Reps' home-unit column.")] = "home",
    fte: Annotated[str, typer.Option(help="Reps' FTE column.")] = "fte",
    measure: Annotated[
        list[str] | None, typer.Option("--measure", "-m", help="Measure column to check (repeat).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Current plan: CSV/XLSX with unit and rep columns.")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage.")] = None,
) -> None:
    """Check the inputs and list every problem with its fix.

    Example: territory-opt validate communes.gpkg --unit-id insee --reps reps.csv -m workload -m potential
    """
    try:
        u = read_units(units, id_col=unit_id, layer=layer)
        r = read_table(reps, id_cols=[rep_id, home]).set_index(rep_id) if reps else None
        b = read_assignment(baseline, unit_col=unit_id, rep_col=rep_id) if baseline else None
        validate_inputs(u, r, measures=measure or [], baseline=b, home_col=home, fte_col=fte)
    except ValidationError as exc:
        if _State.debug:
            raise
        console.print(_problems_table(exc))
        raise typer.Exit(EXIT_USER) from None
    except (TerritoryError, SolverError, OSError) as exc:
        _fail(exc)
    out.print(
        f"[green]OK[/]: {len(u)} units"
        + (f", {len(r)} reps" if r is not None else "")
        + ", no problem found."
    )


def main() -> None:
    """Entry point for ``python -m territory_opt.cli``."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
