"""What-if scenarios on a small grid: plans valid, forced changes counted, Pareto monotone."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.exceptions import ValidationError
from territory_opt.studies.scenarios import (
    Study,
    add_rep,
    compare_scenarios,
    move_rep,
    pareto_curve,
    remove_rep,
)

from .conftest import grid_units


@pytest.fixture(scope="module")
def study() -> Study:
    g = grid_units(6, 4)
    rng = np.random.default_rng(3)
    g["workload"] = rng.integers(1, 6, len(g)).astype(float)
    g["potential"] = g["workload"] * 2
    g["accounts"] = rng.integers(1, 9, len(g))
    reps = pd.DataFrame(
        {"home": ["u0_0", "u5_3", "u0_3"], "fte": [1.0, 1.0, 1.0], "name": ["Ann", "Bob", "Cid"]},
        index=["A", "B", "C"],
    )
    # current plan: columns 0-1 -> A (+ u0_3 for C), 2-5 -> B, rows 3 of columns 0-1 -> C
    base = pd.Series(
        {
            u: ("C" if u.endswith("_3") and int(u[1]) < 2 else ("A" if int(u[1]) < 2 else "B"))
            for u in g.index
        }
    )
    return Study(
        g,
        reps,
        base,
        balance={"workload": 0.25},
        measures=("workload", "potential", "accounts"),
        problem_settings={"contiguity": "flow", "cost": "hops"},
        solve_settings={"solver": "highs", "time_limit": 20, "gap": 0.0},
    )


def _valid(study: Study, res) -> None:
    a = res.after.assignment
    assert a.index.sort_values().equals(study.units.index.sort_values())
    G = study.graph
    for rep, home in res.after.reps["home"].items():
        members = list(a.index[a == rep])
        assert home in members
        assert nx.is_connected(G.subgraph(members))


def test_remove_rep_forces_changes(study):
    res = remove_rep(study, "C")
    _valid(study, res)
    forced_units = set(study.baseline.index[study.baseline == "C"])
    assert set(res.forced["unit"]) == forced_units
    assert "C" not in set(res.after.assignment)
    ch = res.changes()
    assert set(ch.loc[ch["forced"], "unit"]) == forced_units
    assert res.summary["accounts_forced"] == study.units.loc[list(forced_units), "accounts"].sum()
    assert res.summary["accounts_changed"] == ch["accounts"].sum()
    assert res.summary["status"] in ("optimal", "feasible")


def test_remove_rep_local_only_moves_forced(study):
    res = remove_rep(study, "C", mode="local")
    _valid(study, res)
    ch = res.changes()
    assert set(ch["unit"]) == set(res.forced["unit"])  # nothing else moved


def test_add_and_move_rep(study):
    res = add_rep(study, "D", "u3_1", fte=1.0, name="Dan")
    _valid(study, res)
    assert "D" in set(res.after.assignment)
    assert res.after.reps.loc["D", "name"] == "Dan"
    tab = res.after.territory_table()
    assert (tab["workload_pct_target"].between(75 - 1e-6, 125 + 1e-6)).all()
    mv = move_rep(study, "A", "u1_1")
    _valid(study, mv)
    assert mv.after.assignment["u1_1"] == "A"
    # a second rep in an occupied home unit is rooted in the nearest free unit
    twin = add_rep(study, "E", "u0_0")
    _valid(study, twin)
    assert twin.after.reps.loc["E", "home"] in {"u1_0", "u0_1"}
    table = compare_scenarios([res, mv])
    assert list(table.index) == ["add D at u3_1", "move A to u1_1"]


def test_pareto_is_monotone(study):
    total = study.units["accounts"].sum()
    budgets = [0.1 * total, 0.2 * total, 0.4 * total, float(total)]
    curve = pareto_curve(study, budgets)
    ok = curve[curve["status"].isin(["optimal", "feasible"])]
    assert len(ok) >= 3
    assert (ok["accounts_changed"] <= pd.Series(budgets, index=curve.index)[ok.index] + 1e-6).all()
    obj = ok["objective"].to_numpy()
    assert np.all(np.diff(obj) <= 1e-6)  # a looser budget never costs more


def test_pay_impact_of_scenario(study):
    res = remove_rep(study, "C")
    acc = pd.DataFrame(
        {"unit": study.units.index, "potential": study.units["potential"].to_numpy()}
    )
    pay = res.pay(acc, commission_rate=0.1, kept_share=0.5)
    # C loses everything; their guarantee year 1 = 100 % of former pay
    c = pay.per_rep.xs("C", level="rep")
    former = 0.1 * study.units.loc[study.baseline == "C", "potential"].sum()
    assert c.loc[1, "paid"] == pytest.approx(former)


def test_bad_what_ifs(study):
    with pytest.raises(ValidationError, match="'Z'"):
        remove_rep(study, "Z")
    with pytest.raises(ValidationError, match="already exists"):
        add_rep(study, "A", "u1_1")
    with pytest.raises(ValidationError, match="not a unit id"):
        move_rep(study, "A", "nowhere")
    with pytest.raises(ValidationError, match="mode"):
        remove_rep(study, "C", mode="gentle")  # type: ignore[arg-type]
