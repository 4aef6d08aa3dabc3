"""The meeting-room map: distinct, stable colours; the offline editor in Chromium.

Colour tests parse the legends of saved pages (one swatch per territory). The editor
tests open the Normandy edit map in Debian Chromium with the network cut (the pattern
of tests/test_maps_browser.py), move a commune by clicking it, and compare the live
table with values computed here from the data.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
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
