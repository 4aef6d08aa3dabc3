"""``territory-opt``: the command line for sales-operations analysts.

Exit codes: 0 ok; 1 user error (clear message, no traceback unless ``--debug``);
2 infeasible, with a diagnosis; 3 time limit reached without a feasible plan.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .exceptions import InfeasibleError, SolverError, TerritoryError, ValidationError
from .io import read_accounts, read_assignment, read_table, read_units
from .problem import ContiguityMode
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


def _parse_balance(items: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or ["workload=0.05", "potential=0.05"]:
        name, _, tol = item.partition("=")
        try:
            value = float(tol.rstrip("%")) / (100 if tol.endswith("%") else 1)
        except ValueError:
            raise ValidationError(
                f"--balance {item!r}: write measure=tolerance, e.g. workload=0.05 or workload=5%."
            ) from None
        out[name.strip()] = value
    return out


def _objective(value: str, units: Any) -> dict[str, Any]:
    if value == "km":
        return {"power": 1, "weight": None}
    if value == "inertia":
        return {"power": 2, "weight": "workload" if "workload" in units.columns else None}
    raise ValidationError(f"--objective {value!r}: choose inertia or km.")


def _contiguity(value: str) -> ContiguityMode:
    modes: dict[str, ContiguityMode] = {"sp": "sp", "flow": "flow", "cuts": "cuts", "none": None}
    if value not in modes:
        raise ValidationError(f"--contiguity {value!r}: choose sp, flow, cuts or none.")
    return modes[value]


def _budget(value: str | None) -> float | str | None:
    if value is None:
        return None
    if value.endswith("%"):
        return value
    try:
        return float(value)
    except ValueError:
        raise ValidationError(
            f"--max-changes {value!r}: give a number of accounts (e.g. 300) or a share (e.g. 10%)."
        ) from None


def _load_inputs(
    units: Path | None,
    reps: Path | None,
    demo: bool,
    unit_id: str,
    rep_id: str,
    home: str,
    baseline: Path | None,
    baseline_col: str | None,
    accounts: Path | None,
    layer: str | None,
) -> tuple[Any, Any, Any, Any, list[Path]]:
    """Units, reps, baseline (Series or None), accounts (or None), input paths."""
    from .datasets import load_normandie

    inputs: list[Path] = [p for p in (units, reps, baseline, accounts) if p is not None]
    if demo:
        data = load_normandie()
        return data.units, data.reps, data.units["current_rep"], data.accounts, inputs
    if units is None or reps is None:
        raise ValidationError("give a units file and --reps, or --demo for the Normandy demo.")
    u = read_units(units, id_col=unit_id, layer=layer)
    r = read_table(reps, id_cols=[rep_id, home]).set_index(rep_id)
    b = None
    if baseline is not None:
        b = read_assignment(baseline, unit_col=unit_id, rep_col=rep_id)
    elif baseline_col is not None:
        if baseline_col not in u.columns:
            raise ValidationError(f"--baseline-col {baseline_col!r} is not a column of {units}.")
        b = u[baseline_col].astype(object)
    acc = None
    if accounts is not None:
        acc = read_accounts(accounts, u)
        # accounts given per account (or as points): add missing unit measures from them
        grouped = acc.groupby("unit")
        if "accounts" not in u.columns:
            u = u.assign(accounts=grouped.size().reindex(u.index, fill_value=0))
        for col in ("workload", "potential"):
            if col not in u.columns and col in acc.columns:
                u = u.assign(**{col: grouped[col].sum().reindex(u.index, fill_value=0.0)})
    return u, r, b, acc, inputs


def _show_plan(alignment: Any) -> None:
    table = alignment.territory_table()
    t = Table(title="Territories")
    cols = [c for c in ("name", "units", "accounts", "workload", "potential") if c in table.columns]
    pct = [c for c in table.columns if c.endswith("_pct_target")]
    t.add_column("rep")
    for c in cols + pct:
        t.add_column(c.replace("_pct_target", " % target"), justify="right")
    for rep, row in table.iterrows():
        cells = [str(rep)]
        for c in cols + pct:
            v = row[c]
            cells.append(f"{v:,.1f}" if isinstance(v, float) else str(v))
        t.add_row(*cells)
    out.print(t)
    r = alignment.report
    if r is not None:
        gap = "n/a" if r.gap is None else f"{100 * r.gap:.2f} %"
        out.print(
            f"[bold]{r.status}[/] by {r.solver} in {r.seconds:.1f} s; objective {r.objective}, "
            f"bound {r.bound}, gap {gap}. {r.message}"
        )


@app.command()
def optimize(
    units: Annotated[
        Path | None, typer.Argument(help="Units file (GPKG, GeoJSON, SHP, CSV).")
    ] = None,
    reps: Annotated[Path | None, typer.Option(help="Reps table: id, home unit, FTE.")] = None,
    demo: Annotated[bool, typer.Option(help="Use the bundled Normandy demo.")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    force: Annotated[bool, typer.Option(help="Write into a non-empty output folder.")] = False,
    unit_id: Annotated[str, typer.Option(help="Unit id column.")] = "id",
    rep_id: Annotated[str, typer.Option(help="Rep id column.")] = "rep",
    home: Annotated[str, typer.Option(help="Reps' home-unit column.")] = "home",
    baseline: Annotated[Path | None, typer.Option(help="Current plan file (unit, rep).")] = None,
    baseline_col: Annotated[
        str | None, typer.Option(help="Current plan as a units column.")
    ] = None,
    accounts: Annotated[
        Path | None, typer.Option(help="Accounts (account, unit) for the per-account change list.")
    ] = None,
    balance: Annotated[
        list[str] | None, typer.Option("--balance", "-b", help="measure=tolerance (repeat).")
    ] = None,
    max_changes: Annotated[
        str | None, typer.Option(help="Disruption budget: accounts (300) or share (10%).")
    ] = None,
    solver: Annotated[str, typer.Option(help="highs or cbc.")] = "highs",
    time_limit: Annotated[float, typer.Option(help="Seconds.")] = 60.0,
    gap: Annotated[float, typer.Option(help="Relative gap to stop at.")] = 0.005,
    contiguity: Annotated[
        str,
        typer.Option(help="cuts (exact, default), flow (exact), sp (fast, restrictive) or none."),
    ] = "cuts",
    objective: Annotated[
        str, typer.Option(help="inertia (sum workload x km^2, default) or km (sum of km).")
    ] = "inertia",
    nearest: Annotated[
        int | None, typer.Option(help="Prune each unit to its N nearest homes.")
    ] = 8,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    layer: Annotated[str | None, typer.Option(help="GeoPackage layer.")] = None,
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
    from .problem import TerritoryProblem
    from .report import export_plan
    from .sharing import optimize_shared
    from .solve import dense_blockers
    from .solve import optimize as run

    try:
        u, r, b, acc, inputs = _load_inputs(
            units, reps, demo, unit_id, rep_id, home, baseline, baseline_col, accounts, layer
        )
        bal = _parse_balance(balance)
        measures = [
            *bal,
            *(["accounts"] if "accounts" in u.columns and "accounts" not in bal else []),
        ]
        validate_inputs(u, r, measures=measures, baseline=b)
        if share_dense not in ("auto", "yes", "no"):
            raise ValidationError(f"--share-dense {share_dense!r}: choose auto, yes or no.")
        settings: dict[str, Any] = {
            "disruption_budget": _budget(max_changes),
            "contiguity": _contiguity(contiguity),
            **_objective(objective, u),
        }
        problem = TerritoryProblem.from_geodataframe(
            u, r, measures=measures, balance=bal, baseline=b, **settings
        )
        blockers = dense_blockers(problem) if share_dense == "auto" else []
        for sentence in blockers[:3]:
            out.print(f"[yellow]Whole units cannot be balanced[/]: {sentence}")
        solve: dict[str, Any] = {
            "solver": solver,
            "time_limit": time_limit,
            "gap": gap,
            "nearest": nearest,
        }
        with console.status(f"Solving with {solver} (time limit {time_limit:g} s)..."):
            if share_dense == "yes" or blockers:
                out.print("Sharing dense units between reps (territory_opt.sharing).")
                plan = optimize_shared(
                    u, r, measures=measures, balance=bal, baseline=b,
                    solve={**solve, "seed": seed}, **settings,
                )  # fmt: skip
            else:
                plan = run(problem, seed=seed, **solve)
        files = export_plan(plan, out_dir, accounts=acc, inputs=inputs, force=force, maps=maps)
    except ValidationError as exc:
        if _State.debug:
            raise
        console.print(_problems_table(exc))
        raise typer.Exit(EXIT_USER) from None
    except SolverError as exc:
        if _State.debug:
            raise
        console.print(f"[bold red]No plan[/]: {exc}")
        raise typer.Exit(EXIT_TIME) from None
    except (TerritoryError, OSError) as exc:
        _fail(exc)
    _show_plan(plan)
    for kind, path in files.items():
        out.print(f"  {kind:>16}: {path}")
    if plan.report is not None and plan.report.status == "no_solution":
        console.print("[bold yellow]Time limit reached without a plan meeting every constraint.[/]")
        raise typer.Exit(EXIT_TIME)


@app.command()
def size(
    segments: Annotated[
        Path, typer.Argument(help="CSV/XLSX: segment, accounts, visits_per_year, hours_per_visit.")
    ],
    weeks: Annotated[float, typer.Option(help="Working weeks per year.")] = 46,
    days: Annotated[float, typer.Option(help="Days per week.")] = 5,
    hours: Annotated[float, typer.Option(help="Hours per day.")] = 8,
    contact_share: Annotated[
        float, typer.Option(help="Share of time in contact with customers.")
    ] = 0.40,
) -> None:
    """Size the sales force by the workload method (course slides 19–21).

    Example: territory-opt size segments.csv --contact-share 0.4
    """
    from .sizing import size_by_workload
    from .workload import Segment, rep_capacity_hours

    try:
        df = read_table(segments)
        need = ["segment", "accounts", "visits_per_year", "hours_per_visit"]
        missing = [c for c in need if c not in df.columns]
        if missing:
            raise ValidationError(f"{segments}: column(s) {missing} missing; expected {need}.")
        segs = [
            Segment(str(row.segment), row.accounts, row.visits_per_year, row.hours_per_visit)
            for row in df.itertuples()
        ]
        cap = rep_capacity_hours(weeks, days, hours, contact_share)
        res = size_by_workload(segs, cap)
    except (TerritoryError, OSError) as exc:
        _fail(exc)
    t = Table(title="Workload method")
    for c in ("segment", "accounts", "visits/yr", "h/visit", "hours"):
        t.add_column(c, justify="right")
    for sg in segs:
        t.add_row(
            sg.name,
            f"{sg.accounts:,.0f}",
            f"{sg.visits_per_year:g}",
            f"{sg.hours_per_visit:g}",
            f"{sg.hours:,.0f}",
        )
    out.print(t)
    out.print(
        f"total {res.total_hours:,.0f} h / {res.capacity_hours:,.0f} h per rep = "
        f"[bold]{res.reps:.2f} reps[/] (headcount {res.headcount})"
    )


whatif_app = typer.Typer(
    help="What-if: a rep joins, leaves or moves; re-optimize from the current plan."
)
app.add_typer(whatif_app, name="whatif")


def _run_whatif(
    action: str,
    rep: str,
    home: str | None,
    fte: float,
    mode: str,
    demo: bool,
    units: Path | None,
    reps: Path | None,
    unit_id: str,
    baseline_col: str | None,
    balance: list[str] | None,
    max_changes: str | None,
    time_limit: float,
    out_dir: Path | None,
    force: bool,
) -> None:
    from .report import export_plan
    from .scenarios import Study, add_rep, move_rep, remove_rep

    try:
        u, r, b, acc, inputs = _load_inputs(
            units, reps, demo, unit_id, "rep", "home", None, baseline_col, None, None
        )
        if b is None:
            raise ValidationError("a what-if needs the current plan: --baseline-col COLUMN.")
        bal = _parse_balance(balance)
        measures = tuple(dict.fromkeys([*bal, *(["accounts"] if "accounts" in u.columns else [])]))
        study = Study(
            u,
            r,
            b,
            balance=bal,
            measures=measures,
            solve_settings={"time_limit": time_limit, "nearest": 8},
        )
        extra: dict[str, Any] = {}
        if max_changes is not None:
            extra["disruption_budget"] = _budget(max_changes)
        if mode not in ("complete", "local"):
            raise ValidationError(f"--mode {mode!r}: choose complete or local.")
        with console.status(f"Re-optimizing ({action} {rep})..."):
            if action == "add":
                res = add_rep(study, rep, home, fte=fte, mode=mode, **extra)  # type: ignore[arg-type]
            elif action == "remove":
                res = remove_rep(study, rep, mode=mode, **extra)  # type: ignore[arg-type]
            else:
                res = move_rep(study, rep, home, mode=mode, **extra)  # type: ignore[arg-type]
        files = (
            export_plan(res.after, out_dir, accounts=acc, inputs=inputs, force=force, before=None)
            if out_dir is not None
            else {}
        )
    except ValidationError as exc:
        if _State.debug:
            raise
        console.print(_problems_table(exc))
        raise typer.Exit(EXIT_USER) from None
    except SolverError as exc:
        console.print(f"[bold red]No plan[/]: {exc}")
        raise typer.Exit(EXIT_TIME) from None
    except (TerritoryError, OSError) as exc:
        _fail(exc)
    _show_plan(res.after)
    t = Table(title=res.name)
    t.add_column("figure")
    t.add_column("value", justify="right")
    for k, v in res.summary.items():
        t.add_row(k, f"{v:,.2f}" if isinstance(v, float) else str(v))
    out.print(t)
    for kind, path in files.items():
        out.print(f"  {kind:>16}: {path}")


_DemoOpt = Annotated[bool, typer.Option(help="Use the bundled Normandy demo.")]
_UnitsOpt = Annotated[Path | None, typer.Option(help="Units file.")]
_RepsOpt = Annotated[Path | None, typer.Option(help="Reps table: rep, home, fte.")]
_ModeOpt = Annotated[
    str, typer.Option(help="complete (re-optimize all) or local (au fil de l'eau).")
]
_BalOpt = Annotated[list[str] | None, typer.Option("--balance", "-b", help="measure=tolerance.")]
_OutOpt = Annotated[Path | None, typer.Option("--out", help="Write the plan and reports here.")]


@whatif_app.command("add-rep")
def whatif_add(
    rep: Annotated[str, typer.Argument(help="New rep id.")],
    home: Annotated[str, typer.Argument(help="Home unit id.")],
    fte: Annotated[float, typer.Option(help="FTE of the new rep.")] = 1.0,
    mode: _ModeOpt = "complete",
    demo: _DemoOpt = False,
    units: _UnitsOpt = None,
    reps: _RepsOpt = None,
    unit_id: Annotated[str, typer.Option(help="Unit id column.")] = "id",
    baseline_col: Annotated[str | None, typer.Option(help="Current plan column.")] = None,
    balance: _BalOpt = None,
    max_changes: Annotated[str | None, typer.Option(help="Disruption budget.")] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds.")] = 60.0,
    out_dir: _OutOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite a non-empty output folder.")] = False,
) -> None:
    """Add a rep living in HOME.

    Example: territory-opt whatif add-rep R18 76540 --demo --mode complete --max-changes 25%
    """
    _run_whatif(
        "add",
        rep,
        home,
        fte,
        mode,
        demo,
        units,
        reps,
        unit_id,
        baseline_col or ("current_rep" if demo else None),
        balance,
        max_changes,
        time_limit,
        out_dir,
        force,
    )


@whatif_app.command("remove-rep")
def whatif_remove(
    rep: Annotated[str, typer.Argument(help="Leaving rep id.")],
    mode: _ModeOpt = "complete",
    demo: _DemoOpt = False,
    units: _UnitsOpt = None,
    reps: _RepsOpt = None,
    unit_id: Annotated[str, typer.Option(help="Unit id column.")] = "id",
    baseline_col: Annotated[str | None, typer.Option(help="Current plan column.")] = None,
    balance: _BalOpt = None,
    max_changes: Annotated[str | None, typer.Option(help="Disruption budget.")] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds.")] = 60.0,
    out_dir: _OutOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite a non-empty output folder.")] = False,
) -> None:
    """A rep leaves: their units go to others.

    Example: territory-opt whatif remove-rep R05 --demo --mode local
    """
    _run_whatif(
        "remove",
        rep,
        None,
        1.0,
        mode,
        demo,
        units,
        reps,
        unit_id,
        baseline_col or ("current_rep" if demo else None),
        balance,
        max_changes,
        time_limit,
        out_dir,
        force,
    )


@whatif_app.command("move-rep")
def whatif_move(
    rep: Annotated[str, typer.Argument(help="Rep id.")],
    home: Annotated[str, typer.Argument(help="New home unit id.")],
    mode: _ModeOpt = "complete",
    demo: _DemoOpt = False,
    units: _UnitsOpt = None,
    reps: _RepsOpt = None,
    unit_id: Annotated[str, typer.Option(help="Unit id column.")] = "id",
    baseline_col: Annotated[str | None, typer.Option(help="Current plan column.")] = None,
    balance: _BalOpt = None,
    max_changes: Annotated[str | None, typer.Option(help="Disruption budget.")] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds.")] = 60.0,
    out_dir: _OutOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite a non-empty output folder.")] = False,
) -> None:
    """A rep moves home.

    Example: territory-opt whatif move-rep R05 50129 --demo
    """
    _run_whatif(
        "move",
        rep,
        home,
        1.0,
        mode,
        demo,
        units,
        reps,
        unit_id,
        baseline_col or ("current_rep" if demo else None),
        balance,
        max_changes,
        time_limit,
        out_dir,
        force,
    )


def _saved_plan(plan: Path, rep_col: str, before_col: str | None) -> tuple[Any, Any]:
    """Alignment(s) from a plan written by ``optimize`` (its GPKG ``units`` layer)."""
    import geopandas as gpd

    from .alignment import Alignment

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
    from .maps import plot_alignment, plot_comparison, save_html, save_png

    try:
        after, before = _saved_plan(plan, rep_col, before_col)
        m = plot_comparison(before, after) if before is not None else plot_alignment(after)
        path = save_html(m, out_file)
        if png:
            save_png(after, out_file.with_suffix(".png"))
    except (TerritoryError, OSError, ValueError) as exc:
        _fail(exc)
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
    from .report import export_plan

    try:
        after, before = _saved_plan(plan, rep_col, before_col)
        acc = read_table(accounts, id_cols=["account", "unit"]) if accounts else None
        files = export_plan(
            after,
            out_dir,
            accounts=acc,
            before=before,
            inputs=[plan] + ([accounts] if accounts else []),
            force=force,
        )
    except ValidationError as exc:
        console.print(_problems_table(exc))
        raise typer.Exit(EXIT_USER) from None
    except (TerritoryError, OSError, ValueError) as exc:
        _fail(exc)
    _show_plan(after)
    for kind, path in files.items():
        out.print(f"  {kind:>16}: {path}")


@app.command()
def pareto(
    units: Annotated[Path | None, typer.Argument(help="Units file.")] = None,
    reps: Annotated[Path | None, typer.Option(help="Reps table.")] = None,
    demo: Annotated[bool, typer.Option(help="Use the bundled Normandy demo.")] = False,
    unit_id: Annotated[str, typer.Option(help="Unit id column.")] = "id",
    baseline_col: Annotated[str | None, typer.Option(help="Current plan column.")] = None,
    budgets: Annotated[
        str, typer.Option(help="Comma-separated budgets, e.g. 10%,20%,40% or 100,200.")
    ] = "10%,20%,30%,40%,60%,100%",
    balance: Annotated[
        list[str] | None, typer.Option("--balance", "-b", help="measure=tolerance.")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds per point.")] = 60.0,
    out_file: Annotated[Path, typer.Option("--out", help="CSV of the curve.")] = Path("pareto.csv"),
) -> None:
    """Balance/compactness vs accounts changing rep: one solve per disruption budget.

    Example: territory-opt pareto --demo --budgets 20%,30%,40%,60% --time-limit 60
    """
    from .io import write_table
    from .scenarios import Study, pareto_curve

    try:
        u, r, b, _, inputs = _load_inputs(
            units,
            reps,
            demo,
            unit_id,
            "rep",
            "home",
            None,
            baseline_col or ("current_rep" if demo else None),
            None,
            None,
        )
        if b is None:
            raise ValidationError("the Pareto curve needs the current plan: --baseline-col COLUMN.")
        bal = _parse_balance(balance)
        measures = tuple(dict.fromkeys([*bal, *(["accounts"] if "accounts" in u.columns else [])]))
        study = Study(
            u,
            r,
            b,
            balance=bal,
            measures=measures,
            solve_settings={"time_limit": time_limit, "nearest": 8, "raise_infeasible": False},
        )
        points = [_budget(x.strip()) for x in budgets.split(",") if x.strip()]
        with console.status(f"Solving {len(points)} points..."):
            curve = pareto_curve(study, [p for p in points if p is not None])
        write_table(curve, out_file, inputs=inputs)
    except ValidationError as exc:
        console.print(_problems_table(exc))
        raise typer.Exit(EXIT_USER) from None
    except (TerritoryError, OSError) as exc:
        _fail(exc)
    out.print(curve.to_string(index=False))
    out.print(f"written: {out_file}")


def main() -> None:
    """Entry point for ``python -m territory_opt.cli``."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
