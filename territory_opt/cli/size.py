"""``territory-opt size``: size the sales force by the workload method."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..data.io import read_table
from ..exceptions import ValidationError
from ._app import app, errors_reported, out

__all__ = ["size"]


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
    from ..salesforce.sizing import size_by_workload
    from ..salesforce.workload import Segment, rep_capacity_hours

    with errors_reported():
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
