"""The offline Normandy maps open in a real headless Chromium with no network.

Checks: Leaflet container present, one SVG path per commune, per territory outline and
per home, every changed commune highlighted, no console error, no resource fetched,
and the territory colours actually painted (pixels). Screenshots are kept in
``out/test-artifacts/``; the open time is logged (no timed assertion). Skips when
Chromium, chromedriver or selenium is missing (``.ci/run`` installs Chromium).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib import colors as mcolors

from territory_opt.data.datasets import DemoDataset
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.plan.alignment import Alignment
from territory_opt.viz.maps import plot_alignment, plot_comparison, save_html, territory_colors

from .test_maps import current_plan, perturbed_plan

logger = logging.getLogger(__name__)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"
BACKGROUND = "#f4f3ef"  # .leaflet-container background in our CSS
FILL_OPACITY = 0.7

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (dev extra)"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Chromium/chromedriver not installed (apt-get install chromium chromium-driver; .ci/run does it)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="tom-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        # network off: every host resolves to nothing, and any proxy use goes nowhere
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_map(driver: Any, path: Path, n_units: int) -> float:
    """Open a saved map and wait until every commune path is drawn; seconds taken."""
    start = time.perf_counter()
    driver.get(path.resolve().as_uri())
    deadline = start + 30
    while time.perf_counter() < deadline:
        n = driver.execute_script("return document.querySelectorAll('path.tom-unit').length")
        if n >= n_units:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    time.sleep(0.6)  # let the fit-to-bounds settle before counting pixels / screenshots
    return seconds


def counts(driver: Any) -> dict[str, Any]:
    return driver.execute_script(
        """return {
            container: document.querySelectorAll('.leaflet-container').length,
            units: document.querySelectorAll('path.tom-unit').length,
            territories: document.querySelectorAll('path.tom-territory').length,
            homes: document.querySelectorAll('path.tom-home').length,
            changed: document.querySelectorAll('path.tom-changed').length,
            labels: document.querySelectorAll('.tom-label').length,
            resources: performance.getEntriesByType('resource').map(function (e) { return e.name; })
        };"""
    )


def console_errors(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def painted(color: str, background: str = BACKGROUND, alpha: float = FILL_OPACITY) -> np.ndarray:
    fg = np.asarray(mcolors.to_rgb(color)) * 255
    bg = np.asarray(mcolors.to_rgb(background)) * 255
    return alpha * fg + (1 - alpha) * bg


def colours_seen(png: Path, colors: dict[Any, str], min_pixels: int = 100) -> set[str]:
    from PIL import Image

    img = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    seen = set()
    for c in set(colors.values()):
        close = np.all(np.abs(img - painted(c)) <= 8.0, axis=-1)  # blending/rounding
        if int(close.sum()) >= min_pixels:
            seen.add(c)
    return seen


@pytest.fixture(scope="module")
def plans(normandie: DemoDataset) -> tuple[Alignment, Alignment]:
    return current_plan(normandie), perturbed_plan(normandie)


def test_plan_map_draws_offline_in_chromium(
    browser: Any, plans: tuple[Alignment, Alignment], normandie: DemoDataset, tmp_path: Path
) -> None:
    plan = plans[0]
    graph = adjacency_graph(normandie.units, contiguity="queen")
    colors = territory_colors(plan, graph=graph)
    m = plot_alignment(
        plan, graph=graph, title="Current plan", fill_opacity=FILL_OPACITY, tolerance=0.05
    )
    page = save_html(m, tmp_path / "normandie_plan.html")
    seconds = open_map(browser, page, len(plan.assignment))
    logger.info("plan map (%.2f MB) opened in %.2f s", page.stat().st_size / 1e6, seconds)
    c = counts(browser)
    assert c["container"] == 1
    assert c["units"] == len(plan.assignment)
    assert c["territories"] == len(plan.reps)
    assert c["homes"] == len(plan.reps) and c["labels"] >= len(plan.reps)
    assert c["resources"] == []  # nothing fetched
    assert console_errors(browser) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "normandie_plan.png"
    assert browser.save_screenshot(str(shot))
    seen = colours_seen(shot, colors)
    assert len(seen) == len(set(colors.values())), set(colors.values()) - seen


def test_comparison_map_draws_offline_in_chromium(
    browser: Any, plans: tuple[Alignment, Alignment], tmp_path: Path
) -> None:
    before, after = plans
    moves = after.diff(before)
    page = save_html(plot_comparison(before, after), tmp_path / "normandie_before_after.html")
    seconds = open_map(browser, page, len(after.assignment))
    logger.info("before/after map (%.2f MB) opened in %.2f s", page.stat().st_size / 1e6, seconds)
    c = counts(browser)
    assert c["units"] == len(after.assignment)  # only the "after" plan is shown at first
    assert c["changed"] == len(moves)
    assert c["territories"] == len(after.reps)
    assert c["resources"] == []
    # switch to the "before" plan: still one set of communes, changes still on top
    browser.execute_script(
        "var r = Array.from(document.querySelectorAll('.leaflet-control-layers-base label'))"
        ".find(function (l) { return l.textContent.trim() === 'Before'; }); r.querySelector('input').click();"
    )
    time.sleep(0.3)
    c2 = counts(browser)
    assert c2["units"] == len(before.assignment) and c2["changed"] == len(moves)
    last = browser.execute_script(
        "var p = document.querySelectorAll('.leaflet-overlay-pane path'); return p[p.length - 1].getAttribute('class');"
    )
    assert "tom-home" in last  # homes stay above the plan that was switched in
    above = browser.execute_script(
        "var p = Array.from(document.querySelectorAll('.leaflet-overlay-pane path'));"
        "var lastUnit = p.map(function (e) { return e.getAttribute('class'); }).lastIndexOf('tom-unit leaflet-interactive');"
        "return p.slice(lastUnit + 1).filter(function (e) { return e.classList.contains('tom-changed'); }).length;"
    )
    assert above == len(moves)  # the changed units stay above it too
    assert console_errors(browser) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "normandie_before_after.png"))
