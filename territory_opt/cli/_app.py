"""The Typer application, its consoles, exit codes and the one error handler of every command."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table

from ..exceptions import InfeasibleError, SolverError, TerritoryError, ValidationError

__all__ = [
    "EXIT_INFEASIBLE",
    "EXIT_TIME",
    "EXIT_USER",
    "State",
    "app",
    "console",
    "errors_reported",
    "out",
]

app = typer.Typer(
    name="territory-opt",
    help="Design balanced, contiguous sales territories. Run a command with --help for examples.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _width() -> int:
    """Wide tables when the output is not a terminal (files, pipes, CI): never cut at 80 columns."""
    cols = shutil.get_terminal_size(fallback=(200, 40)).columns
    return max(cols, 160)


console = Console(stderr=True, width=_width())
out = Console(width=_width())

EXIT_USER, EXIT_INFEASIBLE, EXIT_TIME = 1, 2, 3


class State:
    """Options of the root command (``--debug``, ``--quiet``)."""

    debug = False
    quiet = False


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    State.debug = debug
    State.quiet = quiet
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(message)s"
    )


def problems_table(exc: ValidationError) -> Table:
    """Every problem of a validation error with its fix, one row each."""
    table = Table(title=f"{len(exc.problems)} problem(s)", show_lines=True)
    for col in ("where", "item", "problem", "fix"):
        table.add_column(col, overflow="fold")
    for p in exc.problems:
        table.add_row(p.where, p.item, p.message, p.fix)
    return table


@contextmanager
def errors_reported() -> Iterator[None]:
    """Turn the package's errors into a message and the README's exit code.

    1 input error (a table of every problem and its fix), 2 infeasible (with the reason),
    3 no plan within the time limit. ``--debug`` re-raises with the traceback.
    """
    try:
        yield
    except typer.Exit:
        raise
    except ValidationError as exc:
        if State.debug:
            raise
        if console.is_terminal:
            console.print(problems_table(exc))
        else:  # logs and pipes: one plain line per problem, easy to grep
            console.print(f"{len(exc.problems)} problem(s):", soft_wrap=True)
            for p in exc.problems:
                console.print(
                    f"- [{p.where}] {p.item}: {p.message} Fix: {p.fix}",
                    soft_wrap=True,
                    markup=False,
                )
        raise typer.Exit(EXIT_USER) from None
    except InfeasibleError as exc:
        if State.debug:
            raise
        console.print(f"[bold red]Infeasible[/]: {exc}")
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except SolverError as exc:
        if State.debug:
            raise
        console.print(f"[bold red]No plan[/]: {exc}")
        raise typer.Exit(EXIT_TIME) from None
    except (TerritoryError, OSError) as exc:
        if State.debug:
            raise
        console.print(f"[bold red]Error[/]: {exc}")
        raise typer.Exit(EXIT_USER) from None
