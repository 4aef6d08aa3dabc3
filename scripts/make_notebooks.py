"""Write the notebooks in ``notebooks/`` from the cell lists below (outputs cleared).

Notebooks are generated so they stay reviewable as Python and never carry outputs in
git; ``tests/test_notebooks.py`` executes every notebook so they never rot. Run
``python scripts/make_notebooks.py`` after editing a cell list.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}

NOTEBOOKS["01_redeployment_normandie.ipynb"] = [
    (
        "markdown",
        """# Redeployment study: Normandy

The demo sales force (17 reps, 4,000 accounts, 12,000 h of workload on the 2,644 real communes of
Normandy) has drifted into an unbalanced alignment. This notebook diagnoses the current plan,
optimizes a balanced, contiguous, compact one, looks at the trade-off between balance and
*changes of interlocutor* (accounts changing rep), and exports the result.

`TIME_LIMIT` is kept short so the notebook runs in CI; raise it for a real study.""",
    ),
    (
        "code",
        """TIME_LIMIT = 15  # seconds per solve; use 120+ for a real study
import pandas as pd
from territory_opt import load_normandie
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.plan.alignment import Alignment
from territory_opt.problem.territory_problem import TerritoryProblem
from territory_opt.solve.pipeline import optimize
from territory_opt.viz.maps import plot_alignment, plot_comparison
from territory_opt.studies.scenarios import Study, pareto_curve

data = load_normandie()
units, reps, accounts = data.units, data.reps, data.accounts
G = adjacency_graph(units)
print(len(units), "communes,", len(accounts), "accounts,", len(reps), "reps")""",
    ),
    ("markdown", "## 1. The current plan"),
    (
        "code",
        """MEASURES = ["workload", "potential", "accounts"]
problem = TerritoryProblem.from_geodataframe(
    units[[*MEASURES, "name", "geometry"]], reps, measures=MEASURES, graph=G,
    balance={"workload": 0.05, "potential": 0.05}, baseline=units["current_rep"],
    contiguity="cuts", power=2, weight="workload",   # exact contiguity, moment of inertia
)
current = Alignment.from_assignment(units["current_rep"], problem=problem)
current.territory_table()[["name", "units", "accounts", "workload_pct_target", "potential_pct_target", "max_km"]].round(1)""",
    ),
    (
        "code",
        """{k: round(v, 2) for k, v in current.metrics().items() if "workload" in k or "potential" in k}""",
    ),
    ("code", """plot_alignment(current, graph=G, title="Current plan")"""),
    ("markdown", "## 2. Optimized plan (±5 % on workload and potential, contiguous, compact)"),
    (
        "code",
        """plan = optimize(problem, "highs", time_limit=TIME_LIMIT, nearest=8, raise_infeasible=False)
print(plan.report)
pd.DataFrame({"current": current.metrics(), "optimized": plan.metrics()}).round(2)""",
    ),
    ("code", """plot_comparison(current, plan, graph=G)"""),
    (
        "markdown",
        "What a manager reads, side by side: accounts changing rep, km from home per account and "
        "per visit (mean, 95th percentile), territory shape (Polsby–Popper 4πA/P², area / hull "
        "area) and the balance range. Pass `travel=` a matrix of minutes "
        "(`territory_opt.data.read_travel_matrix`) to report real driving times.",
    ),
    (
        "code",
        """from territory_opt.plan import quality_table
quality_table({"current": current, "optimized": plan}).round(2)""",
    ),
    (
        "markdown",
        "## 3. Balance vs changes of interlocutor (ε-constraint on accounts changing rep)",
    ),
    (
        "code",
        """study = Study(units, reps, units["current_rep"], graph=G,
              solve_settings={"time_limit": TIME_LIMIT, "nearest": 8, "raise_infeasible": False})
curve = pareto_curve(study, ["20%", "35%", "60%"])
curve""",
    ),
    (
        "markdown",
        "### Trade-offs on one page: balance tolerance × accounts changing rep × travel\n\n"
        "One curve per tolerance; filled points are not dominated (no other plan is at least "
        "as good on balance reached, accounts changed and mean km, and better on one). Every "
        "point is a plan: `surface.attrs['alignments'][row]` can be exported and mapped.",
    ),
    (
        "code",
        """from territory_opt.studies import plot_tradeoffs, tradeoff_surface
quick = Study(units, reps, units["current_rep"], graph=G,
              solve_settings={"time_limit": 6, "nearest": 8})   # short: raise for a real study
surface = tradeoff_surface(quick, [0.05, 0.10, 0.15], ["30%", "60%"])
plot_tradeoffs(surface, "tradeoffs.png")
surface[["tolerance_pct", "budget", "status", "balance_dev_pct", "accounts_changed_pct",
         "travel_mean_account", "pp_mean", "efficient"]].round(2)""",
    ),
    ("markdown", "## 4. Export"),
    (
        "code",
        """from territory_opt.reports.export import export_plan
files = export_plan(plan, "normandie_plan", accounts=accounts, before=current, force=True)
{k: str(v) for k, v in files.items()}""",
    ),
]

NOTEBOOKS["02_whatif_normandie.ipynb"] = [
    (
        "markdown",
        """# What-if: a rep leaves, a rep joins

Emma (R05, Saint-Lô) leaves; a new rep is hired in Rouen. Each event is handled two ways, as in the
course (slide 38): *au fil de l'eau* (only what the event forces moves) and complete redeployment
(re-optimize everything, counting accounts that change rep). Then the pay impact of the leaver's
customers moving, with the course's guarantee (100 % / 75 % / 50 % of former pay).""",
    ),
    (
        "code",
        """TIME_LIMIT = 15
import pandas as pd
from territory_opt import load_normandie
from territory_opt.studies.scenarios import Study, add_rep, compare_scenarios, remove_rep

data = load_normandie()
study = Study(data.units, data.reps, data.units["current_rep"],
              solve_settings={"time_limit": TIME_LIMIT, "nearest": 8, "raise_infeasible": False})""",
    ),
    (
        "code",
        """leaves_local = remove_rep(study, "R05", mode="local")
leaves_full = remove_rep(study, "R05", mode="complete")
joins_rouen = add_rep(study, "R18", "76540", name="Romain", mode="complete")
compare_scenarios([leaves_local, leaves_full, joins_rouen]).T""",
    ),
    (
        "markdown",
        """The Rouen hire comes out `infeasible`: with 18 reps, R02's share of potential shrinks, and
Le Havre (R02's home) plus Sainte-Adresse, an enclave inside Le Havre that no other territory can
reach, already hold more than +5 % of it. The optimizer says so before solving (below) and returns
its best plan anyway, flagged. The fixes: share Le Havre between reps
(`territory_opt.studies.sharing.optimize_shared`) or widen the tolerance.""",
    ),
    (
        "code",
        """print(joins_rouen.after.report.message.split(";")[0])""",
    ),
    (
        "code",
        """leaves_local.changes().groupby("to_rep")[["accounts", "workload"]].sum()""",
    ),
    (
        "markdown",
        "## Pay impact (commission 5 % of potential, fixed 30 k€, 50 % kept on lost accounts in year 1)",
    ),
    (
        "code",
        """acc = data.accounts.assign(potential=data.accounts["potential"] * 1000)  # k€ -> €
pay = leaves_full.pay(acc, commission_rate=0.05, fixed_salary=30_000, kept_share=(0.5, 0.25, 0.0))
print(f"cost of the redeployment over 3 years: {pay.total_cost:,.0f} €")
pay.per_rep.query("top_up > 0 or kept_commission > 0").round(0)""",
    ),
]

NOTEBOOKS["03_sizing.ipynb"] = [
    (
        "markdown",
        """# Sizing a sales force with the course's methods

How many reps does the organisation need? This notebook runs the methods of the course
*L'organisation commerciale* (slides 18–35) with `territory_opt.salesforce.workload` and `territory_opt.salesforce.sizing`,
on the course's own numbers, then on the Normandy demo's account file.""",
    ),
    (
        "code",
        """import pandas as pd
from territory_opt.salesforce.workload import COURSE_SEGMENTS, segment_table, rep_capacity_hours, workload_by_unit
from territory_opt.salesforce.sizing import (
    LogResponse, breakeven_check, breakeven_revenue, geographic_concentration,
    marginal_profitability, size_by_sales_objective, size_by_workload,
)
from territory_opt.data.datasets import load_normandie""",
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
        for j, (kind, source) in enumerate(cells):
            maker = (
                nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
            )
            # stable cell ids: regenerating an unchanged notebook leaves it byte-identical
            nb.cells.append(maker(source, id=f"cell-{j:02d}"))
        path = folder / name
        nbformat.write(nb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build(Path(__file__).resolve().parents[1] / "notebooks"):
        print(p)
