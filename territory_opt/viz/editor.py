"""Edit a plan in the offline HTML map: the meeting-room "what if this commune went to Alice?".

:func:`edit_map` draws a plan with :func:`~territory_opt.viz.maps.plot_alignment` and
adds an editor written in plain JavaScript (``viz/_editor/editor.js``, inlined in the
page with the data; nothing is fetched). In the page:

* click a commune, pick a rep in the popup (shift-click selects several first), or
  draw a lasso around several (the "Lasso" button, or Alt+drag): every unit whose
  representative point lies inside the drawn line is selected, one popup moves them
  all in one undo step (``viz/_editor/lasso.js``). A moved commune takes the rep's
  colour and a dashed dark outline, and the plan's original territory outlines turn
  dashed;
* the per-territory table (units, accounts, each balance measure in % of the
  FTE-weighted target, accounts changing rep against the baseline, km from home) and
  the "baseline → edited" box (units and accounts changing rep, balance ranges) are
  recomputed at once;
* a warning names every territory that is no longer connected (breadth-first search
  on the unit adjacency embedded as compact CSR index lists);
* undo, redo, reset; "Download plan (CSV)" writes ``unit,rep`` rows, which
  :func:`territory_opt.data.io.read_assignment` reads (``unit_col="unit",
  rep_col="rep"``) as a start plan, locks or a plan to report.

The page's JavaScript API, for tests and scripting: ``tomEditor.move(unit, rep)``,
``.undo()``, ``.redo()``, ``.reset()``, ``.csv()``, ``.table()``, ``.assignment()``,
``.setLasso(on)``, ``.lassoSelect([[lat, lon], ...])`` (select the units inside a
polygon), ``.lastLasso()`` (the last lasso polygon, ``[[lat, lon], ...]``).
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Hashable, Mapping
from importlib import resources
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import pandas as pd
from branca.element import Element

from ..plan.alignment import Alignment
from ._elements import JsScript, to_js
from ._format import _rep_label
from .orientation import root_figure

__all__ = ["add_editor", "edit_map", "editor_payload"]

logger = logging.getLogger(__name__)

_LABELS = {"workload": "Workload", "potential": "Potential", "accounts": "Accounts"}


def _asset(name: str) -> str:
    return resources.files("territory_opt.viz").joinpath("_editor", name).read_text("utf-8")


def _csr(ids: list[Hashable], graph: nx.Graph) -> tuple[list[int], list[int]]:
    pos = {u: k for k, u in enumerate(ids)}
    ptr, idx = [0], []
    for u in ids:
        nbrs = sorted(pos[v] for v in graph.adj.get(u, {}) if v in pos and v != u)
        idx += nbrs
        ptr.append(len(idx))
    return ptr, idx


def _value(x: Any) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def _points(ids: list[Hashable], geometry: gpd.GeoSeries | None) -> gpd.GeoSeries | None:
    """Each unit's representative point in lat/lon (EPSG:4326), in ``ids`` order."""
    if geometry is None:
        return None
    return geometry.reindex(ids).to_crs("EPSG:4326").representative_point()


def _latlon(p: Any) -> list[float] | None:
    return None if p is None or p.is_empty else [round(float(p.y), 5), round(float(p.x), 5)]


def _distances(
    alignment: Alignment, ids: list[Hashable], reps: list[Hashable], pts: gpd.GeoSeries | None
) -> dict[str, Any]:
    """Road (given) or straight-line distances from home (from ``pts``), whichever the plan knows."""
    if alignment.distance is not None:
        d = alignment.distance.reindex(index=ids, columns=reps).to_numpy(dtype=float)
        flat = [None if not math.isfinite(x) else round(float(x), 1) for x in d.ravel()]
        return {"dist": flat, "kmLabel": "km"}
    if pts is None or "home" not in alignment.reps.columns:
        return {}
    homes = []
    for r in reps:
        h = alignment.reps.at[r, "home"]
        ok = h is not None and not pd.isna(h) and h in pts.index
        homes.append([round(float(pts[h].y), 4), round(float(pts[h].x), 4)] if ok else None)
    if all(h is None for h in homes):
        return {}
    return {"homes": homes, "kmLabel": "km (crow)"}


def editor_payload(
    alignment: Alignment,
    *,
    colors: Mapping[Hashable, str],
    baseline: pd.Series | None = None,
    graph: nx.Graph | None = None,
    title: str | None = None,
    baseline_label: str = "Baseline",
    tolerance: float | None = None,
    measure_labels: Mapping[str, str] | None = None,
    filename: str = "edited_plan.csv",
) -> dict[str, Any]:
    """The data the page's editor needs, as plain JSON-able lists.

    Parameters
    ----------
    alignment : Alignment
        The plan to edit (split units count for their main rep only).
    colors : mapping
        rep id -> colour (as drawn on the map).
    baseline : pandas.Series, optional
        unit id -> rep id for "changing rep" (default: ``alignment.baseline``, else the
        plan as opened).
    graph : networkx.Graph, optional
        Unit adjacency (default: queen contiguity of the units, islands bridged).
    title, baseline_label, tolerance, measure_labels, filename
        Panel title, name of the baseline column, balance tolerance (red when outside
        ``100 ± 100·tolerance``), measure labels, name of the downloaded CSV.

    Returns
    -------
    dict
    """
    ids = list(alignment.assignment.index)
    reps = list(alignment.reps.index)
    rep_pos = {r: k for k, r in enumerate(reps)}
    if alignment.shared is not None and len(alignment.shared):
        logger.warning(
            "the editor counts the %d split unit(s) for their main rep only",
            len(alignment.shared["unit"].unique()),
        )
    base = baseline if baseline is not None else alignment.baseline
    if base is None:
        base = alignment.assignment
    num = [
        c
        for c in alignment.measures.columns
        if pd.api.types.is_numeric_dtype(alignment.measures[c])
    ]
    meas = alignment.measures[num].reindex(ids).fillna(0.0)
    fte = alignment.reps["fte"].astype(float)
    share = fte / float(fte.sum())
    totals = alignment.measures[list(alignment.balance_measures)].sum()
    if graph is None:
        from ..graph.adjacency import adjacency_graph

        if alignment.units is None:
            raise ValueError("the plan has no unit geometry: pass graph= (the unit adjacency).")
        graph = adjacency_graph(alignment.units[["geometry"]], contiguity="queen", islands="bridge")
    ptr, idx = _csr(ids, graph)
    names = (
        alignment.units["name"]
        if alignment.units is not None and "name" in alignment.units.columns
        else None
    )
    labels = {
        m: (measure_labels or {}).get(m, _LABELS.get(m, m.replace("_", " ").capitalize()))
        for m in num
    }
    pts = _points(ids, alignment.units.geometry if alignment.units is not None else None)
    return {
        "ids": [str(u) for u in ids],
        "names": [
            html.unescape(str(names.get(u, u))) if names is not None else str(u) for u in ids
        ],
        "reps": [str(r) for r in reps],
        "labels": [_rep_label(alignment, r) for r in reps],
        "colors": [colors.get(r, "#cccccc") for r in reps],
        "meas": {m: [_value(x) or 0.0 for x in meas[m].to_numpy(dtype=float)] for m in num},
        "mlabels": labels,
        "balance": list(alignment.balance_measures),
        "targets": {
            m: [float(share[r]) * float(totals[m]) for r in reps]
            for m in alignment.balance_measures
        },
        "accounts": "accounts" if "accounts" in num else None,
        "start": [rep_pos.get(r, -1) for r in alignment.assignment.to_numpy()],
        "base": [rep_pos.get(base.get(u), -1) for u in ids],
        "adjp": ptr,
        "adji": idx,
        "title": title or "Territories",
        "baseLabel": baseline_label,
        "tolerance": tolerance,
        "filename": filename,
        # one representative point per unit, [lat, lon]: the lasso's hit test, crow km
        "pts": [] if pts is None else [_latlon(p) for p in pts],
        **_distances(alignment, ids, reps, pts),
    }


def add_editor(m: folium.Map, payload: Mapping[str, Any]) -> folium.Map:
    """Add the editor (script, styles, data) to a map drawn by ``plot_alignment``.

    Parameters
    ----------
    m : folium.Map
        A map with one plan's unit layer (``className: 'tom-unit'``).
    payload : mapping
        From :func:`editor_payload`.

    Returns
    -------
    folium.Map
        The same map; the page exposes ``window.tomEditor``.
    """
    root = root_figure(m)
    root.header.add_child(
        Element("<style>" + _asset("editor.css") + "</style>"), name="tom_editor_css"
    )
    js = _asset("editor.js") + "\n" + _asset("lasso.js")
    root.header.add_child(
        Element("<script>" + js.replace("</", "<\\/") + "</script>"), name="tom_editor_js"
    )
    JsScript(
        "window.TOM_EDIT = "
        + to_js(dict(payload))
        + ";\nwindow.tomEditor = new TomEditor({map}, window.TOM_EDIT);"
    ).add_to(m)
    return m


def edit_map(
    alignment: Alignment,
    *,
    baseline: pd.Series | Alignment | None = None,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    colors: Mapping[Hashable, str] | None = None,
    title: str | None = None,
    baseline_label: str = "Baseline",
    tolerance: float | None = None,
    measure_labels: Mapping[str, str] | None = None,
    filename: str = "edited_plan.csv",
    **plot_kwargs: Any,
) -> folium.Map:
    """A plan map you can edit in the browser, offline (save it with ``save_html``).

    Parameters
    ----------
    alignment : Alignment
        The plan to start from.
    baseline : pandas.Series or Alignment, optional
        The plan to count changes against (e.g. the current plan when editing a
        proposal); default ``alignment.baseline``, else the plan as opened.
    units : geopandas.GeoDataFrame, optional
        Unit geometry when the plan carries none.
    graph : networkx.Graph, optional
        Unit adjacency for the connectivity warning (default: queen contiguity,
        islands bridged).
    colors : mapping, optional
        rep id -> colour (default: :func:`~territory_opt.viz.maps.territory_colors`
        over the plan and the baseline, the same as their other maps).
    title, baseline_label, tolerance, measure_labels, filename
        As for :func:`editor_payload`.
    **plot_kwargs
        Passed to :func:`~territory_opt.viz.maps.plot_alignment` (e.g. ``tiles=``).

    Returns
    -------
    folium.Map
    """
    from .colors import territory_colors
    from .plan_map import plot_alignment

    if units is not None and alignment.units is None:
        alignment = Alignment(**{**alignment.__dict__, "units": units})
    if alignment.units is None:
        raise ValueError("the plan has no unit geometry: pass units= (a GeoDataFrame by unit id).")
    base = baseline.assignment if isinstance(baseline, Alignment) else baseline
    if colors is None:
        plans = [baseline, alignment] if isinstance(baseline, Alignment) else [alignment]
        colors = territory_colors(plans, units=units, graph=graph)
    m = plot_alignment(
        alignment, units=units, graph=graph, colors=colors, title=title, tolerance=tolerance,
        measure_labels=measure_labels, legend=False, **plot_kwargs,
    )  # fmt: skip
    payload = editor_payload(
        alignment, colors=colors, baseline=base, graph=graph, title=title,
        baseline_label=baseline_label, tolerance=tolerance, measure_labels=measure_labels,
        filename=filename,
    )  # fmt: skip
    add_editor(m, payload)
    bounds = alignment.units.geometry.reindex(alignment.assignment.index).to_crs("EPSG:4326")
    minx, miny, maxx, maxy = bounds.total_bounds
    # keep the communes clear of the live table on the right
    m.fit_bounds(
        [[miny, minx], [maxy, maxx]], padding_top_left=(10, 10), padding_bottom_right=(560, 0)
    )
    return m
