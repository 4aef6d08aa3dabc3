"""Write the notebooks in ``notebooks/`` from the cell lists below (outputs cleared).

Notebooks are generated so they stay reviewable as Python and never carry outputs in
git; ``tests/test_notebooks.py`` executes every notebook so they never rot. Run
``python scripts/make_notebooks.py`` after editing a cell list.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}

NOTEBOOKS["03_sizing.ipynb"] = [
    (
        "markdown",
        """# Sizing a sales force with the course's methods

How many reps does the organisation need? This notebook runs the methods of the course
*L'organisation commerciale* (slides 18–35) with `territory_opt.workload` and `territory_opt.sizing`,
on the course's own numbers, then on the Normandy demo's account file.""",
    ),
    (
        "code",
        """import pandas as pd
from territory_opt.workload import COURSE_SEGMENTS, segment_table, rep_capacity_hours, workload_by_unit
from territory_opt.sizing import (
    LogResponse, breakeven_check, breakeven_revenue, geographic_concentration,
    marginal_profitability, size_by_sales_objective, size_by_workload,
)
from territory_opt.datasets import load_normandie""",
    ),
    ("markdown", "## 1. Workload method (slides 19–21)"),
    (
        "code",
        """segment_table(COURSE_SEGMENTS)""",
    ),
    (
        "code",
        """capacity = rep_capacity_hours(weeks=46, days_per_week=5, hours_per_day=8, contact_share=0.40)
sizing = size_by_workload(COURSE_SEGMENTS, capacity)
assert sizing.total_hours == 12_000 and capacity == 736
sizing""",
    ),
    ("markdown", "## 2. Sales-objective method and break-even (slides 23–25)"),
    (
        "code",
        """objective = size_by_sales_objective(target_revenue=24_000_000, revenue_per_rep=1_400_000,
                                     productivity_change=0.05)
objective""",
    ),
    (
        "code",
        """data = load_normandie()
# a rep costs 80 k€ a year; the margin rate on sales is 30 %; sales ≈ 25 % of potential (k€)
revenue = (data.units.groupby("current_rep")["potential"].sum() * 0.25 * 1000).rename("revenue")
print(f"break-even revenue per rep: {breakeven_revenue(80_000, 0.30):,.0f} €")
breakeven_check(revenue, cost_per_rep=80_000, margin_rate=0.30).sort_values("revenue").head()""",
    ),
    ("markdown", "## 3. Marginal profitability (slides 26–28): 20, 10 or 5 reps?"),
    (
        "code",
        """q = LogResponse.fit([5, 10, 20], [1_000, 1_500, 2_000])
res = marginal_profitability([5, 10, 20], q, margin_per_unit=100, cost_per_rep=80_000,
                             market_potential=100)
assert res.best_headcount == 10
res.table[["potential_per_rep", "units_per_rep", "profit"]]""",
    ),
    ("markdown", "## 4. Workload per commune and geographic concentration (slide 35)"),
    (
        "code",
        """per_unit = workload_by_unit(data.accounts, "unit")
areas = data.units.to_crs("EPSG:2154").area / 1e6
dep = data.units.assign(area_km2=areas).groupby("departement")[["accounts", "area_km2"]].sum()
geographic_concentration(dep, min_accounts=300, min_density=0.05)""",
    ),
]


def build(folder: Path) -> list[Path]:
    """Write every notebook into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, cells in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        for kind, source in cells:
            maker = (
                nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
            )
            nb.cells.append(maker(source))
        path = folder / name
        nbformat.write(nb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build(Path(__file__).resolve().parents[1] / "notebooks"):
        print(p)
