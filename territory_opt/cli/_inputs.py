"""Turn the shared options into checked inputs: units, reps, current plan, accounts, graph.

Also parses the option values that need words (``--balance``, ``--max-changes``,
``--contiguity``, ``--objective``) and checks every output path **before** any work,
so a refused folder never costs a solve.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from ..data.io import read_accounts, read_assignment, read_table, read_units
from ..exceptions import InputIssue, ValidationError
from ..problem.territory_problem import ContiguityMode
from ._options import InputOptions, SolveOptions

__all__ = [
    "Inputs",
    "check_output_dir",
    "check_output_file",
    "load_inputs",
    "parse_balance",
    "parse_budget",
    "problem_settings",
]

_DEFAULT_BALANCE = ("workload=0.05", "potential=0.05")


@dataclass(frozen=True)
class Inputs:
    """What a command works on, read and checked once."""

    units: gpd.GeoDataFrame
    reps: pd.DataFrame
    baseline: pd.Series | None
    accounts: pd.DataFrame | None
    graph: nx.Graph
    paths: list[Path] = field(default_factory=list)

    def measures(self, balance: dict[str, float]) -> list[str]:
        """Balanced measures, then ``accounts`` when the units carry them."""
        extra = ["accounts"] if "accounts" in self.units.columns else []
        return list(dict.fromkeys([*balance, *extra]))

    def bridges(self) -> list[tuple[Any, Any, float]]:
        """Islands linked to the mainland: ``(unit, unit, gap km)``."""
        return list(self.graph.graph.get("bridged_edges", []))

    def names(self) -> pd.Series | None:
        """Unit names, when the units have a ``name`` column."""
        return self.units["name"] if "name" in self.units.columns else None


def _fail(item: str, message: str, fix: str, where: str = "options") -> ValidationError:
    return ValidationError([InputIssue(where, item, message, fix)])


def _no_column(
    flag: str, path: Path, column: str, fix: str, where: str = "reps"
) -> ValidationError:
    """A file lacks the column an option names: say which file, which columns it has."""
    return _fail(f"{flag} {column}", f"{path} has no column {column!r}.", fix, where=where)


def _standard_reps(reps: pd.DataFrame, opts: InputOptions, path: Path) -> pd.DataFrame:
    """Reps with the package's column names: ``home``, ``fte`` (1 when absent), ``name``."""
    if opts.home not in reps.columns:
        raise _no_column(
            "--home", path, opts.home, "name the reps' home-unit column with --home COLUMN "
            f"(columns: {', '.join(map(str, reps.columns))}).",
        )  # fmt: skip
    out = reps.rename(columns={opts.home: "home"})
    if opts.fte in reps.columns:
        out = out.rename(columns={opts.fte: "fte"})
    elif opts.fte != "fte":
        raise _no_column(
            "--fte", path, opts.fte, "name the reps' FTE column with --fte COLUMN, or leave it out "
            "(1 FTE each).",
        )  # fmt: skip
    else:
        out = out.assign(fte=1.0)
    return out


def _baseline(opts: InputOptions, units: gpd.GeoDataFrame) -> pd.Series | None:
    if opts.baseline is not None:
        table = read_table(opts.baseline)
        unit_col = opts.baseline_unit_col or next(
            (c for c in (opts.unit_id, "unit", "id") if c in table.columns), opts.unit_id
        )
        rep_col = opts.baseline_col or opts.rep_id
        for col, flag in ((unit_col, "--baseline-unit-col"), (rep_col, "--baseline-col")):
            if col not in table.columns:
                raise _no_column(
                    flag, opts.baseline, col, f"name the column with {flag} COLUMN (columns: "
                    f"{', '.join(map(str, table.columns))}).", where="baseline",
                )  # fmt: skip
        return read_assignment(opts.baseline, unit_col=unit_col, rep_col=rep_col)
    if opts.baseline_col is not None:
        if opts.baseline_col not in units.columns:
            raise _fail(
                f"--baseline-col {opts.baseline_col}",
                "is not a column of the units file.",
                "give the current plan as a units column, or as a file with --baseline FILE.",
                where="baseline",
            )
        return units[opts.baseline_col].astype(object)
    return None


def load_inputs(opts: InputOptions) -> Inputs:
    """Read units, reps, current plan and accounts named by the options; build the graph."""
    from ..graph.adjacency import adjacency_graph

    if opts.adjacency not in ("rook", "queen"):
        raise _fail(f"--adjacency {opts.adjacency}", "unknown adjacency.", "choose rook or queen.")
    if opts.islands not in ("bridge", "drop", "raise"):
        raise _fail(
            f"--islands {opts.islands}", "unknown island policy.", "choose bridge, drop or raise."
        )
    units_path = opts.units_path
    accounts = None
    if opts.demo:
        from ..data.datasets import load_normandie

        data = load_normandie()
        units, reps = data.units, data.reps
        baseline: pd.Series | None = units["current_rep"]
        if opts.baseline is not None or (
            opts.baseline_col is not None and opts.baseline_col != "current_rep"
        ):
            baseline = _baseline(opts, units)
        accounts = data.accounts
    else:
        if units_path is None or opts.reps is None:
            raise _fail(
                "inputs",
                "no units file or no reps table.",
                "give a units file and --reps FILE, or --demo for the Normandy demo.",
            )
        units = read_units(units_path, id_col=opts.unit_id, layer=opts.layer)
        raw = read_table(opts.reps, id_cols=[opts.rep_id])
        if opts.rep_id not in raw.columns:
            raise _no_column(
                "--rep-id", opts.reps, opts.rep_id, "name the rep id column with --rep-id COLUMN."
            )
        if opts.home in raw.columns:
            raw[opts.home] = raw[opts.home].map(lambda v: v if pd.isna(v) else str(v))
        reps = _standard_reps(raw.set_index(opts.rep_id), opts, opts.reps)
        baseline = _baseline(opts, units)
        if opts.accounts is not None:
            accounts = read_accounts(opts.accounts, units)
            units = _measures_from_accounts(units, accounts)
    graph = adjacency_graph(units, contiguity=opts.adjacency, islands=opts.islands)  # type: ignore[arg-type]
    return Inputs(units, reps, baseline, accounts, graph, opts.paths)


def _measures_from_accounts(units: gpd.GeoDataFrame, accounts: pd.DataFrame) -> gpd.GeoDataFrame:
    """Units without account measures get them from the accounts in them."""
    grouped = accounts.groupby("unit")
    if "accounts" not in units.columns:
        units = units.assign(accounts=grouped.size().reindex(units.index, fill_value=0))
    for col in ("workload", "potential"):
        if col not in units.columns and col in accounts.columns:
            units = units.assign(**{col: grouped[col].sum().reindex(units.index, fill_value=0.0)})
    return units


def parse_balance(items: list[str] | None) -> dict[str, float]:
    """``["workload=0.05", "potential=5%"]`` -> ``{"workload": 0.05, "potential": 0.05}``."""
    out: dict[str, float] = {}
    for item in items or list(_DEFAULT_BALANCE):
        name, _, tol = item.partition("=")
        try:
            value = float(tol.strip().rstrip("%")) / (100 if tol.strip().endswith("%") else 1)
        except ValueError:
            raise _fail(
                f"--balance {item}",
                "cannot read the tolerance.",
                "write measure=tolerance, e.g. --balance workload=0.05 or --balance workload=5%.",
            ) from None
        if not 0 <= value < 1:
            raise _fail(
                f"--balance {item}",
                f"tolerance {value:g} is not between 0 and 1.",
                "give a share (--balance workload=0.05) or a percentage (workload=5%).",
            )
        out[name.strip()] = value
    return out


def parse_budget(value: str | None, total_accounts: float | None = None) -> float | str | None:
    """``--max-changes``: an account count (``300``) or a share (``"10%"``).

    A bare number that is a tiny share of the accounts (``30`` of 4,200) is refused with
    "did you mean 30%?": a budget that small is almost always a missing percent sign.
    """
    if value is None:
        return None
    text = value.strip()
    if text.endswith("%"):
        try:
            share = float(text[:-1])
        except ValueError:
            share = -1.0
        if not 0 <= share <= 100:
            raise _fail(
                f"--max-changes {value}",
                "cannot read the share.",
                "give a share between 0% and 100%, e.g. --max-changes 30%.",
            )
        return text
    explicit = text.lower().endswith("accounts")
    try:
        count = float(text[: -len("accounts")] if explicit else text)
    except ValueError:
        raise _fail(
            f"--max-changes {value}",
            "cannot read the budget.",
            "give a number of accounts (--max-changes 300) or a share (--max-changes 10%).",
        ) from None
    if count < 0:
        raise _fail(
            f"--max-changes {value}", "a budget is not negative.", "e.g. --max-changes 10%."
        )
    if not explicit and total_accounts and 0 < count <= 100 and count < 0.05 * total_accounts:
        raise _fail(
            f"--max-changes {value}",
            f"means {count:g} accounts, {100 * count / total_accounts:.1f} % of the "
            f"{total_accounts:,.0f} accounts: did you mean {count:g}%?",
            f"write --max-changes {count:g}% for a share, or --max-changes {count:g}accounts "
            "to really allow that few changes.",
        )
    return count


def problem_settings(solve: SolveOptions, units: pd.DataFrame) -> dict[str, Any]:
    """Model settings named by the solve options (contiguity, objective, budget)."""
    modes: dict[str, ContiguityMode] = {"sp": "sp", "flow": "flow", "cuts": "cuts", "none": None}
    if solve.contiguity not in modes:
        raise _fail(
            f"--contiguity {solve.contiguity}", "unknown mode.", "choose cuts, flow, sp or none."
        )
    objective = objective_settings(solve.objective, units)
    total = float(units["accounts"].sum()) if "accounts" in units.columns else None
    if solve.travel_unit not in ("km", "min"):
        raise _fail(f"--travel-unit {solve.travel_unit}", "unknown unit.", "choose km or min.")
    if solve.travel_matrix is not None:
        from ..data.travel_matrix import read_travel_matrix

        objective["cost"] = read_travel_matrix(solve.travel_matrix)
    return {
        "contiguity": modes[solve.contiguity],
        "disruption_budget": parse_budget(solve.max_changes, total),
        **objective,
    }


def objective_settings(value: str, units: pd.DataFrame) -> dict[str, Any]:
    """Problem settings of an ``--objective`` value (see ``--help``)."""
    from ..problem.objective import OBJECTIVE_NAMES

    inertia = {"power": 2, "weight": "workload" if "workload" in units.columns else None}
    if value == "auto":
        # the problem's default: "redeploy" with a current plan and no --max-changes, else
        # the moment of inertia Σ workload·km² (power and weight parametrize both)
        return inertia
    if value == "km":
        return {"power": 1, "weight": None, "objective": "cost"}
    if value == "inertia":
        return {**inertia, "objective": "cost"}
    first, _, then = value.partition(">")
    names = (*OBJECTIVE_NAMES, "auto", "km")
    for part in (first, then) if then else (first,):
        if part not in OBJECTIVE_NAMES:
            raise _fail(
                f"--objective {value}",
                f"unknown objective {part!r}.",
                f"choose {', '.join(names)}.",
            )
    out: dict[str, Any] = {"objective": first}
    if then:
        out["then"] = then
    return out


def solver_settings(solve: SolveOptions) -> dict[str, Any]:
    """Keyword arguments of :func:`territory_opt.solve.pipeline.optimize` named by the options."""
    if solve.solver not in ("highs", "cbc", "scip"):
        raise _fail(
            f"--solver {solve.solver}", "unknown solver.", "choose highs, cbc or scip (extra)."
        )
    if solve.time_limit <= 0:
        raise _fail(f"--time-limit {solve.time_limit:g}", "must be > 0 seconds.", "e.g. 60.")
    return {
        "solver": solve.solver,
        "time_limit": solve.time_limit,
        "gap": solve.gap,
        "nearest": solve.nearest,
        "seed": solve.seed,
    }


def _is_input(target: Path, inputs: Iterable[Path]) -> bool:
    t = target.resolve()
    return any(Path(p).resolve() == t for p in inputs)


def check_output_dir(out: Path, *, force: bool, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output folder before any work: a file, a non-empty folder without --force."""
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out}", "exists and is a file.", "give a folder for the outputs.")
    if out.exists() and any(out.iterdir()) and not force:
        raise _fail(
            f"--out {out}",
            "the output folder is not empty.",
            "choose a new folder with --out, or pass --force to write into it.",
        )
    if _is_input(out, inputs):
        raise _fail(f"--out {out}", "is one of the inputs.", "choose another output folder.")
    parent = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    if not os.access(parent, os.W_OK):
        raise _fail(f"--out {out}", f"cannot write in {parent}.", "choose a writable folder.")


def check_output_file(
    out: Path, *, inputs: Iterable[Path] = (), suffixes: tuple[str, ...] = ()
) -> None:
    """Refuse an output file before any work: a folder, an input, an unwritable place."""
    if out.is_dir():
        raise _fail(f"--out {out}", "is a folder.", "give a file name, e.g. --out plan.html.")
    if _is_input(out, inputs):
        raise _fail(
            f"--out {out}",
            "is one of the inputs; inputs are never overwritten.",
            "choose another file.",
        )
    if suffixes and out.suffix.lower() not in suffixes:
        raise _fail(
            f"--out {out}",
            f"should end with {' or '.join(suffixes)}.",
            f"e.g. --out result{suffixes[0]}.",
        )
    parent = next((p for p in out.parents if p.exists()), Path("."))
    if not os.access(parent, os.W_OK):
        raise _fail(f"--out {out}", f"cannot write in {parent}.", "choose a writable folder.")
