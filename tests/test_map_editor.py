"""The meeting-room map: distinct, stable colours; the offline editor in Chromium.

Colour tests parse the legends of saved pages (one swatch per territory). The editor
tests open the Normandy edit map in Debian Chromium with the network cut (the pattern
of tests/test_maps_browser.py), move a commune by clicking it, and compare the live
table with values computed here from the data.
"""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_opt.data.datasets import DemoDataset
from territory_opt.plan.alignment import Alignment
from territory_opt.viz.colors import color_distance
from territory_opt.viz.maps import plot_alignment, plot_comparison, save_html

MEASURES = ["workload", "potential", "accounts"]


def plan_of(data: DemoDataset, assignment: pd.Series, reps: pd.DataFrame) -> Alignment:
    u = data.units
    return Alignment.from_assignment(
        assignment,
        reps=reps,
        measures=u[MEASURES],
        balance_measures=("workload", "potential"),
        units=u[["name", "departement", "population", "geometry"]],
    )


def nearest_home_plan(data: DemoDataset, n_reps: int) -> Alignment:
    """A Brittany-like plan: ``n_reps`` reps at the largest towns, each commune to the nearest."""
    u = data.units
    homes = u["population"].sort_values(ascending=False, kind="stable").index[:n_reps]
    reps = pd.DataFrame(
        {"home": list(homes), "fte": 1.0, "name": [f"Rep {k:02d}" for k in range(n_reps)]},
        index=pd.Index([f"R{k:02d}" for k in range(n_reps)], name="rep"),
    )
    pts = gpd.GeoSeries(u.geometry, crs=u.crs).to_crs("EPSG:2154").representative_point()
    xy = np.c_[pts.x, pts.y]
    hxy = xy[[u.index.get_loc(h) for h in homes]]
    near = np.argmin(((xy[:, None, :] - hxy[None]) ** 2).sum(-1), axis=1)
    return plan_of(data, pd.Series(reps.index[near], index=u.index), reps)


def legend_colours(page: str) -> dict[str, str]:
    """Rep label -> swatch colour, from the legend table of a saved page."""
    pairs = re.findall(
        r'tom-swatch\\?" style=\\?"background:(#[0-9a-fA-F]{6})\\?"><\\?/span>([^<]+)<\\?/td>',
        page,
    )
    assert pairs, "no legend swatch found"
    return {label: colour.lower() for colour, label in pairs}


@pytest.mark.parametrize("n_reps", [14, 17])
def test_legend_colours_all_distinct(normandie: DemoDataset, n_reps: int, tmp_path: Path) -> None:
    plan = (
        nearest_home_plan(normandie, 14)
        if n_reps == 14
        else plan_of(normandie, normandie.units["current_rep"], normandie.reps)
    )
    page = save_html(plot_alignment(plan), tmp_path / "plan.html").read_text(encoding="utf-8")
    legend = legend_colours(page)
    assert len(legend) == n_reps
    colours = list(legend.values())
    assert len(set(colours)) == n_reps, legend
    # well separated, not just different hex codes
    gaps = [color_distance(a, b) for i, a in enumerate(colours) for b in colours[i + 1 :]]
    assert min(gaps) > 20.0


def test_same_rep_same_colour_in_every_map_of_a_study(
    normandie: DemoDataset, tmp_path: Path
) -> None:
    current = plan_of(normandie, normandie.units["current_rep"], normandie.reps)
    proposal = nearest_home_plan(normandie, 17)
    proposal = plan_of(
        normandie,
        proposal.assignment.map(dict(zip(proposal.reps.index, normandie.reps.index, strict=True))),
        normandie.reps,
    )
    assert (proposal.assignment != current.assignment).sum() > 100
    pages = {
        "current": save_html(plot_alignment(current), tmp_path / "a.html"),
        "proposal": save_html(plot_alignment(proposal), tmp_path / "b.html"),
        "before_after": save_html(plot_comparison(current, proposal), tmp_path / "c.html"),
    }
    legends = {k: legend_colours(p.read_text(encoding="utf-8")) for k, p in pages.items()}
    assert len(legends["current"]) == len(normandie.reps)
    assert legends["current"] == legends["proposal"] == legends["before_after"]


# --------------------------------------------------------------------------- editor in Chromium
try:
    from .test_maps_browser import CHROMEDRIVER, CHROMIUM, browser, console_errors, open_map
except pytest.skip.Exception:  # selenium missing: the browser tests skip, the rest runs
    CHROMIUM = CHROMEDRIVER = None

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Chromium/chromedriver/selenium not installed (apt-get install chromium chromium-driver)",
)
__all__ = ["browser"]  # the fixture, imported for the tests below


def pieces(graph: nx.Graph, assignment: pd.Series, rep: str) -> int:
    units = [u for u in assignment.index[assignment == rep] if u in graph]
    return nx.number_connected_components(graph.subgraph(units))


def cells(driver: Any, col: str) -> dict[str, float]:
    return driver.execute_script(
        "var out = {}, col = arguments[0]; document.querySelectorAll('.tom-editor tr[data-rep]').forEach(function (tr) {"
        "  var td = tr.querySelector('td[data-col=\"' + col + '\"]');"
        "  out[tr.getAttribute('data-rep')] = Number(td.getAttribute('data-value')); }); return out;",
        col,
    )


def click_unit(driver: Any, unit: str, latlng: list[float]) -> None:
    """Zoom on the commune and click it with the mouse (a real click on its SVG path)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    xy = driver.execute_script(
        "var m = tomEditor.map; m.setView(arguments[0], 12, {animate: false});"
        "m.panBy([m.getSize().x / 2 - 300, 0], {animate: false});"  # clear of the table
        "var p = m.latLngToContainerPoint(arguments[0]), s = m.getSize();"
        "return [p.x - s.x / 2, p.y - s.y / 2];",
        latlng,
    )
    time.sleep(0.3)
    box = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    ActionChains(driver).move_to_element_with_offset(box, int(xy[0]), int(xy[1])).click().perform()


@needs_chromium
def test_edit_a_commune_in_chromium_offline(
    browser: Any, normandie: DemoDataset, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    from territory_opt.data.io import read_assignment
    from territory_opt.graph.adjacency import adjacency_graph
    from territory_opt.viz.editor import edit_map

    u = normandie.units
    plan = plan_of(normandie, u["current_rep"], normandie.reps)
    G = adjacency_graph(u[["geometry"]], contiguity="queen", islands="bridge")
    page = save_html(edit_map(plan, graph=G, tolerance=0.05), tmp_path / "edit.html")
    open_map(browser, page, len(u))
    assert browser.execute_script("return typeof tomEditor") == "object"

    # a border commune (not a home) whose move keeps both territories in one piece
    a = plan.assignment
    homes = set(normandie.reps["home"])
    unit = to = None
    for x, y in sorted(G.edges()):
        for v, w in ((x, y), (y, x)):
            if a[v] == a[w] or v in homes or unit is not None:
                continue
            moved = a.copy()
            moved[v] = a[w]
            if pieces(G, moved, a[v]) == pieces(G, a, a[v]) and pieces(G, moved, a[w]) == pieces(
                G, a, a[w]
            ):
                unit, to = v, a[w]
    assert unit is not None and to is not None
    frm = a[unit]
    pt = u.geometry[unit].representative_point()

    fte = normandie.reps["fte"].astype(float)
    expected_delta = {
        m: 100.0 * float(u.at[unit, m]) / (float(u[m].sum()) * float(fte[r] / fte.sum()))
        for m in ("workload", "potential")
        for r in (frm,)
    }
    before = {m: cells(browser, f"{m}_pct") for m in ("workload", "potential")}
    for m in ("workload", "potential"):  # the table as opened is the plan's own figures
        for r in normandie.reps.index:
            share = float(fte[r] / fte.sum()) * float(u[m].sum())
            assert before[m][r] == pytest.approx(100 * u.loc[a == r, m].sum() / share, abs=1e-6)
    assert browser.execute_script("return tomEditor.table().changed_accounts") == 0

    click_unit(browser, unit, [pt.y, pt.x])
    time.sleep(0.3)
    browser.save_screenshot(str(tmp_path / "1_chooser.png"))
    browser.find_element(
        By.CSS_SELECTOR, f'.tom-chooser button[data-rep="{normandie.reps.index.get_loc(to)}"]'
    ).click()
    time.sleep(0.2)
    browser.save_screenshot(str(tmp_path / "2_moved.png"))
    after = {m: cells(browser, f"{m}_pct") for m in ("workload", "potential")}
    for m in ("workload", "potential"):
        share_to = float(fte[to] / fte.sum()) * float(u[m].sum())
        assert after[m][frm] == pytest.approx(before[m][frm] - expected_delta[m], abs=1e-6)
        assert after[m][to] == pytest.approx(
            before[m][to] + 100 * float(u.at[unit, m]) / share_to, abs=1e-6
        )
        others = [r for r in normandie.reps.index if r not in (frm, to)]
        assert all(after[m][r] == pytest.approx(before[m][r], abs=1e-9) for r in others)
    total = browser.find_element(By.CSS_SELECTOR, '[data-col="changed_accounts_total"]')
    assert float(total.get_attribute("data-value")) == pytest.approx(float(u.at[unit, "accounts"]))
    assert cells(browser, "changed_accounts")[to] == pytest.approx(float(u.at[unit, "accounts"]))
    assert browser.find_elements(By.CSS_SELECTOR, ".tom-edit-summary .tom-warn") == []

    # undo with the button: back to the plan as opened
    browser.find_element(By.CSS_SELECTOR, '.tom-edit-summary button[data-act="undo"]').click()
    time.sleep(0.2)
    for m in ("workload", "potential"):
        assert cells(browser, f"{m}_pct") == pytest.approx(before[m], abs=1e-9)
    assert (
        float(
            browser.find_element(
                By.CSS_SELECTOR, '[data-col="changed_accounts_total"]'
            ).get_attribute("data-value")
        )
        == 0
    )

    # redo, then a move that cuts a territory in two: the warning names it
    assert browser.execute_script("return tomEditor.redo()")
    far = next(
        v
        for v in a.index[a == frm]
        if v not in homes
        and v != unit
        and pieces(G, a.where(a.index != v, to), to) > 1
        and not any(a[w] == to for w in G[v])
    )
    assert browser.execute_script("return tomEditor.move(arguments[0], arguments[1])", far, to)
    warn = browser.find_element(By.CSS_SELECTOR, ".tom-edit-summary .tom-warn").text
    assert normandie.reps.at[to, "name"] in warn
    browser.save_screenshot(str(tmp_path / "3_warning.png"))
    js_pieces = browser.execute_script("return tomEditor.table().rows")
    edited = a.copy()
    edited[unit] = to
    edited[far] = to
    for r in normandie.reps.index:
        assert js_pieces[r]["pieces"] == pieces(G, edited, r), r

    # the edited plan as CSV, read back as the CLI/API read a start plan
    csv = tmp_path / "edited_plan.csv"
    csv.write_text(browser.execute_script("return tomEditor.csv()"), encoding="utf-8")
    back = read_assignment(csv, unit_col="unit", rep_col="rep")
    pd.testing.assert_series_equal(
        back.sort_index(),
        edited.astype(str).sort_index(),
        check_names=False,
        check_index_type=False,
    )
    # fed back through the CLI: `report` of the saved plan with the edited assignment gives the
    # page's own figures (% of target per rep, accounts changing rep)
    from typer.testing import CliRunner

    from territory_opt.cli import app
    from territory_opt.reports.export import export_plan

    export_plan(plan, tmp_path / "saved", maps=False)
    res = CliRunner().invoke(
        app,
        ["report", str(tmp_path / "saved" / "plan.gpkg"), "--assignment", str(csv),
         "--out", str(tmp_path / "report")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    terr = pd.read_csv(tmp_path / "report" / "plan_territories.csv", dtype={"rep": str})
    terr = terr.set_index("rep")
    for m in ("workload", "potential"):
        page = cells(browser, f"{m}_pct")
        for r in normandie.reps.index:
            assert terr.at[r, f"{m}_pct_target"] == pytest.approx(page[r], abs=0.006), (m, r)
    changes = pd.read_csv(tmp_path / "report" / "plan_changes.csv", dtype=str)
    assert sorted(changes["unit"]) == sorted([unit, far])
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert resources == []
    assert console_errors(browser) == []


def test_orientation_departements_towns_title(normandie: DemoDataset, tmp_path: Path) -> None:
    plan = plan_of(normandie, normandie.units["current_rep"], normandie.reps)
    page = save_html(
        plot_alignment(plan, title="Scenario B: Pont-Audemer to Alice"), tmp_path / "o.html"
    ).read_text(encoding="utf-8")
    assert "tom-dept" in page
    # the five largest towns are labelled
    top = normandie.units.sort_values("population", ascending=False)["name"].head(5)
    for name in top:
        assert f'"{name}",1]' in page, name
    assert "Scenario B: Pont-Audemer to Alice" in page and "tom-title" in page
    # a city territory (Alice, 13 communes around Rouen) gets a ring at its home
    assert "tom-small-territory" in page


def lasso_path(
    cx: float, cy: float, r_out: float, r_in: float, n: int = 10
) -> list[tuple[int, int]]:
    """A star (non-convex: the ray casting must handle the notches) around (cx, cy), in px."""
    pts = []
    for k in range(2 * n):
        r = r_out if k % 2 == 0 else r_in
        a = np.pi * k / n
        pts.append((round(cx + r * np.cos(a)), round(cy + r * np.sin(a))))
    return pts


@needs_chromium
def test_lasso_moves_the_communes_inside_in_chromium(
    browser: Any, normandie: DemoDataset, tmp_path: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from shapely.geometry import Polygon

    from territory_opt.graph.adjacency import adjacency_graph
    from territory_opt.viz.editor import edit_map

    u = normandie.units
    plan = plan_of(normandie, u["current_rep"], normandie.reps)
    G = adjacency_graph(u[["geometry"]], contiguity="queen", islands="bridge")
    page = save_html(edit_map(plan, graph=G, tolerance=0.05), tmp_path / "edit.html")
    open_map(browser, page, len(u))
    a = plan.assignment
    homes = set(normandie.reps["home"])
    # centre the lasso on a border commune (not a home), so it catches two territories
    centre, to = next((v, a[w]) for v, w in sorted(G.edges()) if a[v] != a[w] and v not in homes)
    pt = u.geometry[centre].representative_point()
    view = (
        "var m = tomEditor.map; m.setView(arguments[0], 10, {animate: false});"
        "m.panBy([m.getSize().x / 2 - 350, 0], {animate: false});"
        "var p = m.latLngToContainerPoint(arguments[0]), s = m.getSize();"
        "return [p.x - s.x / 2, p.y - s.y / 2];"
    )
    xy = browser.execute_script(view, [pt.y, pt.x])
    time.sleep(0.3)
    before = {m: cells(browser, f"{m}_pct") for m in ("workload", "potential")}
    browser.find_element(By.CSS_SELECTOR, ".tom-lasso-toggle").click()
    box = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    path = lasso_path(xy[0], xy[1], 110, 45)
    chain = ActionChains(browser).move_to_element_with_offset(box, *path[0]).click_and_hold()
    for (x0, y0), (x1, y1) in itertools.pairwise(path):
        chain = chain.move_by_offset(x1 - x0, y1 - y0)
    chain.release().perform()
    time.sleep(0.3)
    browser.save_screenshot(str(tmp_path / "lasso_chooser.png"))

    poly = browser.execute_script("return tomEditor.lastLasso()")
    assert poly is not None and len(poly) >= len(path) - 1
    shape = Polygon([(lon, lat) for lat, lon in poly])
    assert shape.is_valid and shape.area > 0
    points = gpd.GeoSeries(u.geometry, crs=u.crs).to_crs("EPSG:4326").representative_point()
    inside = {v for v, p in points.items() if shape.contains(p)}
    # 1e-4° (~10 m) from the drawn line: the page rounds points to 1e-5°, leave those out
    near = {v for v, p in points.items() if shape.exterior.distance(p) < 1e-4}
    assert 3 <= len(inside) <= 60, len(inside)
    assert len({a[v] for v in inside}) >= 2  # the lasso spans a territory border
    title = browser.find_element(By.CSS_SELECTOR, ".tom-chooser b").text
    assert title == f"{len(inside)} units"
    browser.find_element(
        By.CSS_SELECTOR, f'.tom-chooser button[data-rep="{normandie.reps.index.get_loc(to)}"]'
    ).click()
    time.sleep(0.3)
    browser.save_screenshot(str(tmp_path / "lasso_moved.png"))

    after = pd.Series(browser.execute_script("return tomEditor.assignment()")).reindex(a.index)
    moved = set(after.index[after != a.astype(str)])
    expected = {v for v in inside if a[v] != to}
    assert moved - near == expected - near
    assert (after[list(inside - near)] == str(to)).all()
    fte = normandie.reps["fte"].astype(float)
    for m in ("workload", "potential"):
        now = cells(browser, f"{m}_pct")
        for r in normandie.reps.index:
            share = float(fte[r] / fte.sum()) * float(u[m].sum())
            gain = float(u.loc[list(moved), m].sum()) if r == to else 0.0
            loss = float(u.loc[[v for v in moved if a[v] == r], m].sum())
            assert now[r] == pytest.approx(before[m][r] + 100 * (gain - loss) / share, abs=1e-6)
    assert browser.execute_script("return tomEditor.table().changed_units") == len(moved)

    # one undo step for the whole lasso move
    browser.find_element(By.CSS_SELECTOR, '.tom-edit-summary button[data-act="undo"]').click()
    time.sleep(0.2)
    for m in ("workload", "potential"):
        assert cells(browser, f"{m}_pct") == pytest.approx(before[m], abs=1e-9)
    assert browser.execute_script("return tomEditor.table().changed_units") == 0
    assert not browser.find_element(
        By.CSS_SELECTOR, '.tom-edit-summary button[data-act="undo"]'
    ).is_enabled()

    # Alt+drag with the lasso toggled off: the same line (the map did not pan under the
    # drag; the popup may pan it afterwards) and the same selection
    from selenium.webdriver.common.keys import Keys

    browser.find_element(By.CSS_SELECTOR, ".tom-lasso-toggle").click()
    assert browser.execute_script("return tomEditor.lassoOn") is False
    again_xy = browser.execute_script(view, [pt.y, pt.x])  # the first lasso's view, ±1 px
    assert again_xy == pytest.approx(xy, abs=1.01)
    time.sleep(0.3)
    chain = ActionChains(browser).move_to_element_with_offset(box, *path[0]).key_down(Keys.ALT)
    chain = chain.click_and_hold()
    for (x0, y0), (x1, y1) in itertools.pairwise(path):
        chain = chain.move_by_offset(x1 - x0, y1 - y0)
    chain.release().key_up(Keys.ALT).perform()
    time.sleep(0.3)
    again = browser.execute_script("return tomEditor.lastLasso()")
    shape2 = Polygon([(lon, lat) for lat, lon in again])
    n2 = sum(shape2.contains(p) for p in points)
    assert browser.find_element(By.CSS_SELECTOR, ".tom-chooser b").text == f"{n2} units"
    assert abs(n2 - len(inside)) <= 2
    # at zoom 10 a pixel is ~0.0014° of longitude: a pan under the drag would shift tens of px
    assert np.abs(np.array(again) - np.array(poly)).max() < 0.003
    assert console_errors(browser) == []
