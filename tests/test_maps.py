"""Maps: offline HTML (size, no external assets, every territory/change present), colouring,
PNG, file safety, inputs unchanged. The browser checks are in ``test_maps_browser.py``."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import folium
import networkx as nx
import pandas as pd
import pytest

from territory_opt.data.datasets import DemoDataset
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.plan.alignment import Alignment
from territory_opt.viz.maps import (
    ATTRIBUTION,
    plot_alignment,
    plot_comparison,
    save_html,
    save_png,
    territory_colors,
)

from .conftest import grid_units

MAX_BYTES = 5 * 1024 * 1024
MEASURES = ["workload", "potential", "accounts"]


# --------------------------------------------------------------------------- helpers
def current_plan(data: DemoDataset) -> Alignment:
    u = data.units
    return Alignment.from_assignment(
        u["current_rep"],
        reps=data.reps,
        measures=u[MEASURES],
        balance_measures=("workload", "potential"),
        units=u[["name", "geometry"]],
    )


def perturbed_plan(data: DemoDataset, n: int = 30) -> Alignment:
    """Move ``n`` boundary communes (never a home) to a neighbouring territory."""
    u = data.units
    G = adjacency_graph(u)
    plan = u["current_rep"].copy()
    homes = set(data.reps["home"])
    moved: set[str] = set()
    for a, b in sorted(G.edges()):
        if len(moved) == n:
            break
        if a in homes or a in moved or b in moved or plan[a] == plan[b]:
            continue
        plan[a] = plan[b]
        moved.add(a)
    return Alignment.from_assignment(
        plan,
        reps=data.reps,
        measures=u[MEASURES],
        balance_measures=("workload", "potential"),
        units=u[["name", "geometry"]],
    )


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        url = (
            a.get("src")
            if tag in ("script", "img", "iframe")
            else a.get("href")
            if tag == "link"
            else None
        )
        if url and re.match(r"^(https?:)?//", url):
            self.external.append(url)


def external_assets(page: str) -> list[str]:
    p = _Assets()
    p.feed(page)
    return p.external


def read_page(path: Path) -> str:
    """The saved page, with the ``<\\/`` escapes of embedded JSON undone."""
    return path.read_text(encoding="utf-8").replace("<\\/", "</")


def feature_ids(page: str) -> set[str]:
    return set(re.findall(r'"id":"([^"]+)"', page))


def grid_plan(shared: bool = False) -> Alignment:
    units = grid_units(4, 3)
    assign = pd.Series({u: ("A" if int(u[1]) < 2 else "B") for u in units.index})
    reps = pd.DataFrame(
        {"home": ["u0_0", "u3_2"], "fte": [1.0, 1.0], "name": ["Ann", "Bob"]}, index=["A", "B"]
    )
    kw = {}
    if shared:
        kw["shared"] = pd.DataFrame(
            {"unit": ["u1_1", "u1_1"], "rep": ["A", "B"], "fraction": [0.6, 0.4]}
        )
    return Alignment(
        assignment=assign,
        reps=reps,
        measures=units[MEASURES],
        balance_measures=("workload",),
        units=units,
        **kw,
    )


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def plans(normandie: DemoDataset) -> tuple[Alignment, Alignment]:
    return current_plan(normandie), perturbed_plan(normandie)


@pytest.fixture(scope="module")
def plan_html(plans: tuple[Alignment, Alignment], tmp_path_factory: pytest.TempPathFactory) -> Path:
    m = plot_alignment(plans[0], title="Current plan", tolerance=0.05, choropleth="potential")
    return save_html(m, tmp_path_factory.mktemp("maps") / "plan.html")


@pytest.fixture(scope="module")
def comparison_html(
    plans: tuple[Alignment, Alignment], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    m = plot_comparison(*plans, tolerance=0.05)
    return save_html(m, tmp_path_factory.mktemp("maps") / "before_after.html")


# --------------------------------------------------------------------------- Normandy
def test_plan_html_is_small_offline_and_complete(
    plan_html: Path, plans: tuple[Alignment, Alignment]
) -> None:
    plan = plans[0]
    assert plan_html.stat().st_size <= MAX_BYTES
    page = plan_html.read_text(encoding="utf-8")
    assert external_assets(page) == []
    assert "L.map(" in page and "leaflet-1.9.3/leaflet.js (inlined)" in page
    assert "jquery" not in page.lower()  # nothing on our map needs it
    ids = feature_ids(page)
    assert set(plan.assignment.index) <= ids  # every commune
    assert set(plan.reps.index) <= ids  # every territory outline
    for name in plan.reps["name"]:
        assert name in page
    assert ATTRIBUTION in page


def test_comparison_html_shows_every_change(
    comparison_html: Path, plans: tuple[Alignment, Alignment]
) -> None:
    before, after = plans
    moves = after.diff(before)
    assert len(moves) == 30
    assert comparison_html.stat().st_size <= MAX_BYTES
    page = read_page(comparison_html)
    assert external_assets(page) == []
    assert set(moves["unit"]) <= feature_ids(page)
    assert f"Changed units ({len(moves)})" in page
    assert "Accounts changing rep: <b>" + f"{moves['accounts'].sum():,.0f}" in page
    # both plans are in the page (before -> after figures in the legend)
    assert '"Before"' in page and '"After"' in page


def test_neighbouring_territories_never_share_a_colour(
    normandie: DemoDataset, plans: tuple[Alignment, Alignment]
) -> None:
    G = adjacency_graph(normandie.units, contiguity="queen")
    for group in ([plans[0]], list(plans)):
        colors = territory_colors(group, graph=G)
        assert set(colors) == set(normandie.reps.index)
        for plan in group:
            a = plan.assignment
            for u, v in G.edges():
                if a[u] != a[v]:
                    assert colors[a[u]] != colors[a[v]], (u, v)
    # the palette is used evenly, not 4 colours for 17 territories
    assert len(set(territory_colors(plans[0], graph=G).values())) >= 10


def test_png_for_slides(plans: tuple[Alignment, Alignment], tmp_path: Path) -> None:
    out = save_png(plans[0], tmp_path / "plan.png", title="Current plan")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 50_000
    assert not list(tmp_path.glob(".*tmp"))


# --------------------------------------------------------------------------- tiny grid
def test_grid_map_colours_tooltips_and_shared_unit(tmp_path: Path) -> None:
    plan = grid_plan(shared=True)
    colors = territory_colors(plan)
    assert colors["A"] != colors["B"]
    m = plot_alignment(plan, choropleth="workload", choropleth_show=True)
    assert isinstance(m, folium.Map)
    page = read_page(save_html(m, tmp_path / "grid.html"))
    assert external_assets(page) == []
    assert feature_ids(page) >= set(plan.assignment.index) | {"A", "B"}
    # shared unit: its split in the tooltip data and a striped pattern of both colours
    assert "Ann (A) 60 %, Bob (B) 40 %" in page
    assert re.search(r'<pattern id="[^"]+-share0"', page)
    assert colors["A"] in page and colors["B"] in page
    assert "Workload per km²" in page


def test_draws_on_an_existing_map_and_comparison_of_grids(tmp_path: Path) -> None:
    before = grid_plan()
    after_assign = before.assignment.copy()
    after_assign["u1_1"] = "B"
    after = Alignment.from_assignment(
        after_assign,
        reps=before.reps,
        measures=before.measures,
        balance_measures=("workload",),
        units=before.units,
    )
    m = folium.Map(tiles=None)
    assert plot_comparison(before, after, m=m) is m
    page = read_page(save_html(m, tmp_path / "cmp.html"))
    assert "Changed units (1)" in page
    assert "Units changing rep: <b>1</b> of 12" in page


def test_inputs_are_not_mutated(tmp_path: Path) -> None:
    plan = grid_plan(shared=True)
    snap = {
        k: getattr(plan, k).copy() for k in ("assignment", "reps", "measures", "units", "shared")
    }
    plot_alignment(plan, choropleth="potential")
    plot_comparison(plan, plan)
    save_png(plan, tmp_path / "g.png")
    for k, v in snap.items():
        now = getattr(plan, k)
        if isinstance(v, pd.Series):
            pd.testing.assert_series_equal(now, v)
        else:
            pd.testing.assert_frame_equal(pd.DataFrame(now), pd.DataFrame(v))


def test_missing_geometry_is_explained() -> None:
    plan = grid_plan()
    bare = Alignment.from_assignment(plan.assignment, reps=plan.reps, measures=plan.measures)
    with pytest.raises(ValueError, match="no unit geometry"):
        plot_alignment(bare)
    with pytest.raises(ValueError, match="have no geometry"):
        plot_alignment(bare, units=plan.units.drop(index="u0_1"))


# --------------------------------------------------------------------------- files
def test_save_html_never_overwrites_an_input(tmp_path: Path) -> None:
    m = plot_alignment(grid_plan())
    data = tmp_path / "units.html"
    data.write_text("<html>someone else's page</html>")
    with pytest.raises(FileExistsError):
        save_html(m, data)
    assert data.read_text() == "<html>someone else's page</html>"
    with pytest.raises(ValueError, match="html"):
        save_html(m, tmp_path / "units.gpkg")
    out = save_html(m, tmp_path / "map.html")
    save_html(m, out)  # our own output may be replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html", "units.html"]


def test_offline_refuses_assets_it_cannot_inline(tmp_path: Path) -> None:
    m = plot_alignment(grid_plan())
    m.get_root().header.add_child(folium.JavascriptLink("https://example.org/plugin.js"))
    with pytest.raises(ValueError, match=r"example\.org/plugin\.js"):
        save_html(m, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()
    online = save_html(m, tmp_path / "y.html", offline=False).read_text(encoding="utf-8")
    assert "https://example.org/plugin.js" in online


def test_folium_popup_gets_jquery_inlined(tmp_path: Path) -> None:
    m = folium.Map(tiles=None)
    folium.CircleMarker([49.0, 0.0], popup=folium.Popup("hello")).add_to(m)
    page = save_html(m, tmp_path / "p.html").read_text(encoding="utf-8")
    assert external_assets(page) == []
    assert "jquery-3.7.1/jquery.min.js (inlined)" in page
    assert "bootstrap" not in page and "fontawesome" not in page


def test_vendored_assets_carry_their_licences() -> None:
    root = Path(__file__).resolve().parents[1] / "territory_opt" / "viz" / "_vendor"
    assert (root / "leaflet-1.9.3" / "LICENSE").read_text().startswith("BSD 2-Clause License")
    assert (
        "MIT" in (root / "jquery-3.7.1" / "LICENSE.txt").read_text()
        or "Permission is hereby granted" in (root / "jquery-3.7.1" / "LICENSE.txt").read_text()
    )
    assert (root / "README.md").exists()


def test_unit_graph_argument_is_used() -> None:
    plan = grid_plan()
    G = nx.Graph()
    G.add_nodes_from(plan.assignment.index)  # no edges: nothing constrains the colours
    assert set(territory_colors(plan, graph=G)) == {"A", "B"}
