"""A complete study through the CLI on a région other than Normandy, checked by code of its own.

Morbihan (Brittany, département 56) from ``load_communes``, seeded synthetic accounts as in the
demo, five reps in real towns (one at 0.8 FTE), a messy current plan given as a separate file
with its own column names. Every plan the CLI writes is re-checked here without the package's
metrics: own rook adjacency from the polygons, own FTE-weighted percentages, own change counts.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from territory_opt.cli import app
from territory_opt.solve.result import CAPPED_NOTE

runner = CliRunner()

TOL = 0.10
REPS = {  # rep id -> (home INSEE, FTE, name)
    "V1": ("56260", 1.0, "Vannes"),
    "L2": ("56121", 1.0, "Lorient"),
    "P3": ("56178", 1.0, "Pontivy"),
    "E4": ("56165", 0.8, "Ploërmel"),
    "A5": ("56007", 1.0, "Auray"),
}


def _own_adjacency(units: gpd.GeoDataFrame) -> nx.Graph:
    """Rook adjacency: polygons whose boundaries share more than 1 m (Lambert-93)."""
    g = units.to_crs("EPSG:2154")
    geoms = list(g.geometry)
    ids = list(g.index)
    tree = shapely.STRtree(geoms)
    G = nx.Graph()
    G.add_nodes_from(ids)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            shared = geoms[i].boundary.intersection(geoms[j].boundary).length
            if shared > 1.0:
                G.add_edge(ids[i], ids[j])
    return G


def _current_plan(G: nx.Graph, units: pd.DataFrame) -> pd.Series:
    """A contiguous, unbalanced plan: multi-source BFS from the homes, biased to two reps."""
    owner = {home: rep for rep, (home, _, _) in REPS.items()}
    order = ["V1", "V1", "L2", "P3", "E4", "A5", "A5"]  # V1 and A5 grow twice as fast
    queues = {r: [h] for r, (h, _, _) in REPS.items()}
    for rep in itertools.cycle(order):
        if not any(queues.values()):
            break
        q = queues[rep]
        grown = False
        while q and not grown:
            u = q[0]
            for v in sorted(G.neighbors(u)):
                if v not in owner:
                    owner[v] = rep
                    q.append(v)
                    grown = True
                    break
            else:
                q.pop(0)
    return pd.Series(owner).reindex(units.index)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    pytest.importorskip("pyogrio")
    from territory_opt.data.datasets import load_communes
    from territory_opt.data.demo_data import generate_accounts, unit_aggregates

    folder = tmp_path_factory.mktemp("morbihan")
    communes = load_communes(["56"])
    G_all = _own_adjacency(communes)
    mainland = max(nx.connected_components(G_all), key=len)  # islands are tested apart
    units = communes.loc[sorted(mainland)].copy()
    G = G_all.subgraph(mainland).copy()
    accounts = generate_accounts(units.reset_index(), seed=7)
    agg = unit_aggregates(accounts, units.index)
    units = units.join(agg)
    units.index.name = "insee"
    current = _current_plan(G, units)
    assert current.notna().all()
    units_file = folder / "communes.gpkg"
    units.reset_index().to_file(units_file, layer="communes")
    reps_file = folder / "vendeurs.csv"
    pd.DataFrame(
        {
            "vendeur": list(REPS),
            "commune_base": [h for h, _, _ in REPS.values()],
            "etp": [f for _, f, _ in REPS.values()],
            "name": [n for _, _, n in REPS.values()],
        }
    ).to_csv(reps_file, index=False)
    base_file = folder / "plan_actuel.csv"
    pd.DataFrame({"commune": current.index, "vendeur": current.to_numpy()}).to_csv(
        base_file, index=False
    )
    acc_file = folder / "accounts.csv"
    accounts[["account", "unit", "workload", "potential"]].to_csv(acc_file, index=False)
    files = [
        str(units_file),
        "--layer", "communes", "--unit-id", "insee",
        "--reps", str(reps_file), "--rep-id", "vendeur", "--home", "commune_base",
        "--fte", "etp",
        "--baseline", str(base_file), "--baseline-unit-col", "commune",
        "--baseline-col", "vendeur",
        "--accounts", str(acc_file),
    ]  # fmt: skip
    return {
        "folder": folder,
        "units": units,
        "G": G,
        "current": current,
        "files": files,
        "all_communes": communes,
    }


SOLVE = [
    "--balance", f"workload={TOL}", "--balance", f"potential={TOL}",
    "--time-limit", "20", "--seed", "0",  # the redeploy default: 10 s per stage
]  # fmt: skip


def _plan(folder: Path) -> pd.Series:
    g = gpd.read_file(folder / "plan.gpkg", layer="units")
    return pd.Series(g["rep"].astype(str).to_numpy(), index=g["unit"].astype(str))


def _check_plan(plan: pd.Series, s: dict, reps: dict[str, float], tol: float = TOL) -> None:
    """Every unit once, contiguous on our own adjacency, FTE-weighted balance within tol."""
    units: pd.DataFrame = s["units"]  # type: ignore[assignment]
    G: nx.Graph = s["G"]  # type: ignore[assignment]
    assert sorted(plan.index) == sorted(units.index)
    assert set(plan) <= set(reps)
    total_fte = sum(reps.values())
    for rep, fte in reps.items():
        members = plan.index[plan == rep]
        assert len(members) > 0, rep
        assert nx.is_connected(G.subgraph(members)), f"{rep} is not contiguous"
        for m in ("workload", "potential"):
            share = units.loc[members, m].sum() / units[m].sum()
            pct = share / (fte / total_fte)
            assert 1 - tol - 1e-6 <= pct <= 1 + tol + 1e-6, (rep, m, pct)


def _pct_table(s: dict, plan: pd.Series, reps: dict[str, float]) -> pd.Series:
    units: pd.DataFrame = s["units"]  # type: ignore[assignment]
    total_fte = sum(reps.values())
    load = units["workload"].groupby(plan).sum() / units["workload"].sum()
    return 100 * load / pd.Series({r: f / total_fte for r, f in reps.items()})


def test_validate_lists_the_island_bridges(study, tmp_path):
    communes = study["all_communes"]
    g = communes.copy()
    g["workload"] = 1.0
    path = tmp_path / "all.gpkg"
    g.reset_index().to_file(path)
    reps = tmp_path / "reps.csv"
    reps.write_text("rep,home\nV1,56260\n")
    res = runner.invoke(app, ["validate", str(path), "--unit-id", "insee", "--reps", str(reps)])
    assert res.exit_code == 0, res.output
    G_all = _own_adjacency(communes)
    parts = sorted(nx.connected_components(G_all), key=len)[:-1]  # all but the mainland
    assert len(parts) >= 3, "Morbihan has islands (Belle-Île, Groix, Houat...)"
    assert f"{len(parts)} island(s) linked" in res.output
    for part in parts:
        assert any(unit in res.output for unit in part)
    assert "Groix" in res.output  # named, not only numbered
    res = runner.invoke(
        app,
        ["validate", str(path), "--unit-id", "insee", "--reps", str(reps), "--islands", "raise"],
    )
    assert res.exit_code == 1 and "island" in res.output.lower()


def test_complete_study_through_the_cli(study, tmp_path):
    files, reps = study["files"], {r: f for r, (_, f, _) in REPS.items()}
    res = runner.invoke(app, ["validate", *files])
    assert res.exit_code == 0, res.output

    # optimize twice with the same seed: byte-identical plan tables, unless the machine was
    # so loaded that the wall clock cut the counted work, which the report must then say
    outs = [tmp_path / "plan_a", tmp_path / "plan_b"]
    capped = []
    for o in outs:
        res = runner.invoke(app, ["optimize", *files, *SOLVE, "--no-maps", "--out", str(o)])
        assert res.exit_code == 0, res.output
        report = pd.read_csv(o / "plan_solver.csv").set_index("item")
        capped.append(CAPPED_NOTE in str(report.at["message", "value"]))
    plan = _plan(outs[0])
    _check_plan(plan, study, reps)
    _check_plan(_plan(outs[1]), study, reps)
    if not any(capped):
        assert (outs[0] / "plan_territories.csv").read_bytes() == (
            outs[1] / "plan_territories.csv"
        ).read_bytes()
        assert plan.equals(_plan(outs[1]))
    # the territory table's percentages are FTE-weighted (E4 at 0.8 FTE)
    terr = pd.read_csv(outs[0] / "plan_territories.csv").set_index("rep")
    own = _pct_table(study, plan, reps)
    assert np.allclose(terr.loc[own.index, "workload_pct_target"], own, atol=0.01)

    # report and map from the saved plan reproduce the run's figures, names and homes
    res = runner.invoke(app, ["report", str(outs[0] / "plan.gpkg"), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    again = pd.read_csv(tmp_path / "r" / "plan_territories.csv").set_index("rep")
    assert np.allclose(again.loc[own.index, "workload_pct_target"], own, atol=0.01)
    res = runner.invoke(app, ["map", str(outs[0] / "plan.gpkg"), "--out", str(tmp_path / "m.html")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "m.html").read_text()
    assert "Ploërmel" in html and "Vannes" in html

    # whatif: remove a rep, local (au fil de l'eau) then complete
    current: pd.Series = study["current"]  # type: ignore[assignment]
    rest = {r: f for r, f in reps.items() if r != "P3"}
    res = runner.invoke(
        app,
        ["whatif", "remove-rep", "P3", *files, *SOLVE, "--mode", "local", "--out",
         str(tmp_path / "rm_local")],
    )  # fmt: skip
    assert res.exit_code in (0, 3), res.output
    if res.exit_code == 0:
        local = _plan(tmp_path / "rm_local")
        kept = current.index[current != "P3"]
        moved = kept[local.reindex(kept).to_numpy() != current.reindex(kept).to_numpy()]
        assert len(moved) == 0, f"local mode moved {len(moved)} units of other reps"
        assert set(local) <= set(rest)
    res = runner.invoke(
        app,
        ["whatif", "remove-rep", "P3", *files, *SOLVE, "--out", str(tmp_path / "rm")],
    )
    assert res.exit_code == 0, res.output
    _check_plan(_plan(tmp_path / "rm"), study, rest)
    g = gpd.read_file(tmp_path / "rm" / "plan.gpkg", layer="units")
    assert "name" in g.columns and "population" in g.columns  # unit attributes kept

    # whatif: add a rep (with a name, 0.8 FTE) and move one
    res = runner.invoke(
        app,
        ["whatif", "add-rep", "Q6", "56098", *files, *SOLVE, "--name", "Questembert",
         "--rep-fte", "0.8", "--out", str(tmp_path / "add")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    _check_plan(_plan(tmp_path / "add"), study, {**reps, "Q6": 0.8})
    res = runner.invoke(
        app,
        ["whatif", "move-rep", "E4", "56102", *files, *SOLVE, "--out", str(tmp_path / "mv")],
    )
    assert res.exit_code == 0, res.output
    _check_plan(_plan(tmp_path / "mv"), study, reps)

    # pareto: every row that shows a plan keeps its budget
    curve_file = tmp_path / "curve.csv"
    res = runner.invoke(
        app,
        ["pareto", *files, *SOLVE, "--budgets", "1%,100%", "--out", str(curve_file)],
    )
    assert res.exit_code == 0, res.output
    curve = pd.read_csv(curve_file)
    total = float(study["units"]["accounts"].sum())  # type: ignore[index]
    shown = curve[curve["status"].isin(["optimal", "feasible"])]
    assert len(shown) >= 1
    for row in shown.itertuples():
        budget = float(str(row.budget).rstrip("%"))
        limit = budget / 100 * total if str(row.budget).endswith("%") else budget
        assert row.accounts_changed <= limit + 1e-6


def test_output_folder_is_refused_before_any_work(study, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "x.txt").write_text("keep")
    res = runner.invoke(app, ["optimize", *study["files"], *SOLVE, "--out", str(full)])
    assert res.exit_code == 1
    assert "not empty" in res.output and "--force" in res.output
    assert "Territories" not in res.output  # nothing was solved


def test_max_changes_without_percent_asks(study, tmp_path):
    res = runner.invoke(
        app,
        ["optimize", *study["files"], *SOLVE, "--max-changes", "30", "--out", str(tmp_path / "o")],
    )
    assert res.exit_code == 1
    assert "did you mean 30%" in res.output
    assert not (tmp_path / "o").exists()


def test_home_and_fte_columns_are_read_by_optimize(study, tmp_path):
    """--home/--fte name the reps' columns in optimize as in validate (was: 'home' missing)."""
    bad = list(study["files"])
    bad[bad.index("commune_base")] = "domicile"
    res = runner.invoke(app, ["optimize", *bad, *SOLVE, "--out", str(tmp_path / "p")])
    assert res.exit_code == 1
    assert "domicile" in res.output and "--home" in res.output
