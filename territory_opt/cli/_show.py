"""What the commands print: the territory table, the solve line, bridges, live progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.live import Live
from rich.table import Table
from rich.text import Text

from ._app import State, console, out

__all__ = [
    "format_gap",
    "format_number",
    "live_progress",
    "show_bridges",
    "show_files",
    "show_plan",
    "show_quality",
    "solve_line",
]


def format_gap(gap: float | None) -> str:
    """A relative gap as the package prints it everywhere: ``"8.93 %"`` or ``"n/a"``."""
    return "n/a" if gap is None else f"{100 * gap:.2f} %"


def format_number(value: float | None) -> str:
    """Objective or bound with thousands separators and a sensible precision."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"


def show_plan(
    alignment: Any, unit: str | None, *, travel: Any = None, travel_unit: str = "km"
) -> None:
    """Per-territory table, plan quality and the solve line (objective with unit, bound, gap)."""
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
    show_quality(alignment, travel=travel, travel_unit=travel_unit)
    r = alignment.report
    if r is not None:
        out.print(solve_line(r, unit))


def show_quality(alignment: Any, travel: Any = None, travel_unit: str = "km") -> None:
    """What a manager reads, the current plan beside the new one: changes, travel, shape, balance."""
    from ..plan.quality import quality_table
    from ..reports.plan_file import baseline_alignment

    before = baseline_alignment(alignment)
    plans = {"current": before, "plan": alignment} if before is not None else {"plan": alignment}
    try:
        tab = quality_table(plans, travel=travel, travel_unit=travel_unit)
    except Exception as exc:  # a summary never stops the command
        out.print(f"[yellow]Plan quality not computed[/]: {exc}")
        return
    t = Table(title="Plan quality" + (" (current plan beside the new one)" if before else ""))
    t.add_column("figure")
    for c in tab.columns:
        t.add_column(str(c), justify="right")
    for label, row in tab.iterrows():
        if before is not None and "changing rep" in str(label):
            cells = ["" if c == "current" else _cell(row[c]) for c in tab.columns]
        else:
            cells = [_cell(row[c]) for c in tab.columns]
        t.add_row(str(label), *cells)
    out.print(t)


def _cell(v: float) -> str:
    if v != v:  # NaN
        return "—"
    return f"{v:,.0f}" if abs(v) >= 100 else (f"{v:.3f}" if abs(v) < 1 else f"{v:.1f}")


def solve_line(r: Any, unit: str | None) -> str:
    """Status, objective with its unit, the bound and what it is valid for, the gap."""
    scope = getattr(r, "bound_scope", "problem")
    bound = format_number(r.bound) if scope != "none" else "none"
    text = (
        f"[bold]{r.status}[/] by {r.solver} in {r.seconds:.1f} s; objective "
        f"{format_number(r.objective)} {unit or ''}, bound {bound}"
        f"{' (of the restricted model only)' if scope == 'restricted' else ''}, "
        f"gap {format_gap(r.gap)}."
    )
    restricted = getattr(r, "restricted_bound", None)
    if restricted is not None and scope == "problem":
        text += f" Bound of the pruned/restricted model: {format_number(restricted)}."
    if getattr(r, "restricted_optimal", False) and r.status != "optimal":
        text += " Optimal within the restricted model, not proven for the whole problem."
    if getattr(r, "work_capped", False):
        text += " [yellow]The time limit cut the counted work: another run may differ.[/]"
    return f"{text} {r.message}"


def show_bridges(bridges: list[tuple[Any, Any, float]], names: Any = None) -> None:
    """List the links made to islands, so a user sees which 'neighbours' are over water."""
    if not bridges:
        return
    t = Table(title=f"{len(bridges)} island(s) linked to the nearest unit (--islands bridge)")
    for c in ("unit", "linked to", "gap km"):
        t.add_column(c, justify="right" if c == "gap km" else "left")

    def label(u: Any) -> str:
        return f"{u} {names[u]}" if names is not None and u in names.index else str(u)

    for u, v, gap in bridges:
        t.add_row(label(u), label(v), f"{gap:.2f}")
    out.print(t)


def show_files(files: dict[str, Any]) -> None:
    """The files written, one per line."""
    for kind, path in files.items():
        out.print(f"  {kind:>16}: {path}")


class _View:
    """The live line: elapsed / limit, stage, best plan, bound and gap as they move."""

    def __init__(self, label: str, time_limit: float | None) -> None:
        self.label, self.time_limit = label, time_limit
        self.start = time.monotonic()
        self.stage = "starting"
        self.best: float | None = None
        self.bound: float | None = None
        self.gap: float | None = None

    def update(self, event: Any) -> None:
        self.stage = getattr(event, "stage", self.stage)
        for name, attr in (("objective", "best"), ("bound", "bound"), ("gap", "gap")):
            value = getattr(event, name, None)
            if value is not None:
                setattr(self, attr, value)

    def __rich__(self) -> Text:
        elapsed = time.monotonic() - self.start
        limit = f" / {self.time_limit:g} s" if self.time_limit else " s"
        return Text(
            f"{self.label}: {elapsed:5.0f}{limit}  ·  {self.stage}  ·  best "
            f"{format_number(self.best)}  ·  bound {format_number(self.bound)}  ·  gap "
            f"{format_gap(self.gap)}"
        )


@contextmanager
def live_progress(label: str, time_limit: float | None) -> Iterator[Callable[[Any], None] | None]:
    """A live progress line on stderr; yields the callback to give the solver (None if quiet)."""
    if State.quiet or not console.is_terminal:
        yield None
        return
    view = _View(label, time_limit)
    with Live(view, console=console, refresh_per_second=2, transient=True):
        yield view.update
