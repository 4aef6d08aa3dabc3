"""One set of options shared by every command: inputs, solve settings, outputs.

Each group is a frozen dataclass whose fields carry their Typer option; the
:func:`with_options` decorator adds a group's fields to a command's parameters and hands
the command one object per group, so ``validate``, ``optimize``, every ``whatif`` and
``pareto`` accept the same input flags, written once.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

__all__ = ["InputOptions", "SolveOptions", "WhatIfOptions", "with_options"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class InputOptions:
    """Where the units, reps, current plan and accounts come from, and how to read them."""

    units: Annotated[
        Path | None,
        typer.Argument(help="Units file: GPKG, GeoJSON, Shapefile, CSV (WKT or lon/lat)."),
    ] = None
    units_opt: Annotated[
        Path | None, typer.Option("--units", help="Units file (same as the argument).")
    ] = None
    demo: Annotated[bool, typer.Option(help="Use the bundled Normandy demo.")] = False
    reps: Annotated[
        Path | None, typer.Option(help="Reps table (CSV/XLSX): id, home unit, FTE, name.")
    ] = None
    unit_id: Annotated[str, typer.Option(help="Unit id column.")] = "id"
    rep_id: Annotated[str, typer.Option(help="Rep id column of the reps and plan tables.")] = "rep"
    home: Annotated[str, typer.Option(help="Reps' home-unit column.")] = "home"
    fte: Annotated[
        str, typer.Option(help="Reps' FTE column (missing: every rep counts 1 FTE).")
    ] = "fte"
    baseline: Annotated[
        Path | None, typer.Option(help="Current plan file: one row per unit with its rep.")
    ] = None
    baseline_unit_col: Annotated[
        str | None,
        typer.Option(help="Unit column of the --baseline file (default: --unit-id, else 'unit')."),
    ] = None
    baseline_col: Annotated[
        str | None,
        typer.Option(
            help="Rep column of the current plan: in the --baseline file (default: --rep-id), "
            "or a column of the units file when no --baseline is given."
        ),
    ] = None
    accounts: Annotated[
        Path | None,
        typer.Option(help="Accounts (account, unit) or account points, for per-account changes."),
    ] = None
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage units file.")] = None
    adjacency: Annotated[
        str, typer.Option(help="rook (shared border) or queen (a corner is enough).")
    ] = "rook"
    islands: Annotated[
        str,
        typer.Option(
            help="Units cut off from the mainland: bridge (to the nearest unit, listed in "
            "the summary), drop, or raise (an error)."
        ),
    ] = "bridge"

    @property
    def units_path(self) -> Path | None:
        """The units file, given as the argument or as ``--units``."""
        return self.units or self.units_opt

    @property
    def paths(self) -> list[Path]:
        """Every input file named (never overwritten by an output)."""
        named = (self.units_path, self.reps, self.baseline, self.accounts)
        return [p for p in named if p is not None]


@dataclass(frozen=True)
class SolveOptions:
    """Balance, disruption budget, model and solver settings."""

    balance: Annotated[
        list[str] | None,
        typer.Option(
            "--balance", "-b", help="measure=tolerance, e.g. workload=0.05 or workload=5% (repeat)."
        ),
    ] = None
    max_changes: Annotated[
        str | None,
        typer.Option(help="Disruption budget: a number of accounts (300) or a share (10%)."),
    ] = None
    solver: Annotated[
        str, typer.Option(help="highs, cbc, or scip (branch-and-cut; extra 'scip').")
    ] = "highs"
    time_limit: Annotated[float, typer.Option(help="Seconds (an outer cap).")] = 60.0
    gap: Annotated[float, typer.Option(help="Relative gap to stop at (0 asks for a proof).")] = (
        0.005
    )
    contiguity: Annotated[
        str,
        typer.Option(help="cuts (exact, default), flow (exact), sp (fast, restrictive) or none."),
    ] = "cuts"
    objective: Annotated[
        str,
        typer.Option(
            help="auto (default: redeploy with a current plan and no --max-changes, else "
            "inertia), redeploy (fewest accounts changing rep, then travel and shape), inertia "
            "(sum workload x km^2), changes, travel (visits x km), compact (every commune "
            "counts), redesign (compact, ignoring the current plan), km; A>B: A first, then B "
            "(e.g. changes>travel)."
        ),
    ] = "auto"
    travel_matrix: Annotated[
        Path | None,
        typer.Option(
            help="Unit x rep km or minutes (CSV/XLSX/Parquet; long unit,rep,value or wide), e.g. "
            "from OSRM, Valhalla or openrouteservice: the cost instead of straight-line km."
        ),
    ] = None
    travel_unit: Annotated[str, typer.Option(help="Unit of --travel-matrix values: km or min.")] = (
        "km"
    )
    nearest: Annotated[int | None, typer.Option(help="Prune each unit to its N nearest homes.")] = 8
    seed: Annotated[int, typer.Option(help="Random seed: same inputs and seed, same plan.")] = 0


@dataclass(frozen=True)
class WhatIfOptions:
    """How a what-if re-optimizes and where it writes."""

    mode: Annotated[
        str,
        typer.Option(
            help="complete (every unit may move) or local (au fil de l'eau: only what the "
            "event forces moves)."
        ),
    ] = "complete"
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write the plan and reports here.")
    ] = None
    force: Annotated[bool, typer.Option(help="Write into a non-empty output folder.")] = False


_GROUPS: tuple[type, ...] = (InputOptions, SolveOptions, WhatIfOptions)


def _group_parameters(group: type) -> list[inspect.Parameter]:
    hints = typing.get_type_hints(group, include_extras=True)
    return [
        inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name]
        )
        for f in dataclasses.fields(group)
    ]


def with_options(func: F) -> F:
    """Give a command the fields of each option group named in its signature.

    A parameter annotated with an option group (``inputs: InputOptions``) is replaced by
    the group's fields as Typer options; the command receives the built group object.
    """
    hints = typing.get_type_hints(func, include_extras=True)
    sig = inspect.signature(func)
    groups = {name: hints[name] for name in sig.parameters if hints.get(name) in _GROUPS}
    own = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in sig.parameters.values()
        if p.name not in groups
    ]
    added: list[inspect.Parameter] = []
    for group in groups.values():
        added += _group_parameters(group)
    positional = [p for p in own + added if _is_argument(p)]
    options = [p for p in own + added if not _is_argument(p)]
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in positional + options]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        for name, group in groups.items():
            fields = {f.name: kwargs.pop(f.name) for f in dataclasses.fields(group)}
            kwargs[name] = group(**fields)
        return func(**kwargs)

    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return typing.cast(F, wrapper)


def _is_argument(p: inspect.Parameter) -> bool:
    meta = getattr(p.annotation, "__metadata__", ())
    return any(isinstance(m, typer.models.ArgumentInfo) for m in meta)
