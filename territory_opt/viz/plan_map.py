"""One plan on a Leaflet map: :func:`plot_alignment`.

Units filled with their territory's colour (faint unit borders), dissolved territory
outlines in bold, reps' homes as labelled dots, a tooltip per unit, a popup per
territory, a legend with the per-territory figures and, optionally, a choropleth.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import folium
import geopandas as gpd
import networkx as nx
import pandas as pd

from ..plan.alignment import Alignment
from ._elements import JsData
from ._format import ATTRIBUTION
from ._geometry import simplify_units
from ._layers import (
    _add_homes,
    _choropleth,
    _finish,
    _new_map,
    _numeric_columns,
    _outline_data,
    _plan_context,
    _prepare_map,
    _shared_info,
    _territory_group,
    _units_data,
)
from ._plans import _unit_geometry
from .colors import DISTINCT_PALETTE as DEFAULT_PALETTE
from .colors import territory_colors
from .legend import _figures, _legend_html, _territory_popup
from .orientation import add_orientation

__all__ = ["plot_alignment"]


def plot_alignment(
    alignment: Alignment,
    m: folium.Map | None = None,
    *,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    colors: Mapping[Hashable, str] | None = None,
    palette: Sequence[str] = DEFAULT_PALETTE,
    title: str | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    attribution: str | None = ATTRIBUTION,
    simplify_m: float = 100.0,
    fill_opacity: float = 0.7,
    tolerance: float | None = None,
    measure_labels: Mapping[str, str] | None = None,
    choropleth: str | None = None,
    choropleth_density: bool = True,
    choropleth_cmap: str = "YlOrRd",
    choropleth_classes: int = 7,
    choropleth_show: bool = False,
    legend: bool = True,
    editable: bool = False,
) -> folium.Map:
    """Draw one territory plan on a Leaflet map.

    Parameters
    ----------
    alignment : Alignment
        The plan. Its ``units`` (or ``units=``) give the geometry.
    m : folium.Map, optional
        Map to draw on; a new one (no basemap by default) otherwise.
    units : geopandas.GeoDataFrame, optional
        Unit geometry (index unit id; optional ``name``) when the plan has none.
    graph : networkx.Graph, optional
        Unit adjacency used for the colouring (default: computed from the geometry).
    colors : mapping, optional
        rep id -> colour, overriding the automatic colouring.
    palette : sequence of str
        Qualitative palette for the automatic colouring.
    title : str, optional
        Legend title.
    tiles : str, optional
        Folium basemap (e.g. ``"cartodbpositron"``); tiles are the only thing fetched
        at view time, and the map draws without them.
    tiles_attribution : str, optional
        Attribution for a custom tile URL.
    attribution : str, optional
        Data credit (default "IGN Admin Express, INSEE").
    simplify_m : float, default 100
        Coverage simplification tolerance in metres (0: none).
    fill_opacity : float, default 0.7
        Territory fill opacity.
    tolerance : float, optional
        Balance tolerance (e.g. 0.05); % of target outside ``100 ± 100·tolerance`` are
        shown in red.
    measure_labels : mapping, optional
        measure -> label for tooltips and legends.
    choropleth : str, optional
        Measure to draw as an extra, switchable choropleth layer.
    choropleth_density : bool, default True
        Map the measure per km² rather than per unit.
    choropleth_cmap : str, default "YlOrRd"
        Matplotlib sequential colour map.
    choropleth_classes : int, default 7
        Number of quantile classes.
    choropleth_show : bool, default False
        Show the choropleth when the page opens.
    legend : bool, default True
        Add the per-territory legend.
    editable : bool, default False
        Edit mode (:func:`territory_opt.viz.editor.edit_map`): click communes to move
        them between reps; live table, undo/redo, download the edited plan as CSV.

    Returns
    -------
    folium.Map
    """
    if editable:
        from .editor import edit_map

        return edit_map(
            alignment, m=m, units=units, graph=graph, colors=colors, title=title, tiles=tiles,
            tiles_attribution=tiles_attribution, attribution=attribution, simplify_m=simplify_m,
            fill_opacity=fill_opacity, tolerance=tolerance, measure_labels=measure_labels,
        )  # fmt: skip
    src = _unit_geometry([alignment], units)
    geo = simplify_units(src.geometry, simplify_m)
    if colors is None:
        colors = territory_colors(alignment, units=src, graph=graph, palette=palette)
    reps = list(alignment.reps.index)
    rep_index = {r: i for i, r in enumerate(reps)}
    figures = _figures(alignment)
    if m is None:
        m = _new_map(geo, tiles, tiles_attribution)
    prefix = f"tom{id(m) % 100000}{len(m._children)}"
    shared, patterns = _shared_info(alignment, rep_index, colors, prefix)
    _prepare_map(m, patterns)

    names = src["name"] if "name" in src.columns else pd.Series(dtype=object)
    columns = _numeric_columns(alignment.measures)
    data = JsData(
        _units_data(geo, names, alignment.measures[columns], {"r": alignment.assignment}, rep_index)
    )
    data.add_to(m)
    popups = [
        _territory_popup(alignment, r, figures.table.loc[r], measure_labels, tolerance)
        for r in reps
    ]
    ctx = _plan_context(alignment, reps, colors, columns, popups, shared, measure_labels)
    ctx.add_to(m)
    outlines = JsData(_outline_data(geo, alignment.assignment, rep_index))
    outlines.add_to(m)
    _territory_group(
        data, ctx, outlines, "r", fill_opacity, attribution, name="Territories", overlay=True
    ).add_to(m)
    if choropleth is not None:
        _choropleth(
            m, alignment, geo, data.get_name(), choropleth, choropleth_density,
            choropleth_cmap, choropleth_classes, measure_labels, choropleth_show,
        )  # fmt: skip
    add_orientation(m, src, geo, alignment=alignment, colors=colors, title=title)
    _add_homes(m, alignment, geo, colors)
    legend_html = (
        _legend_html(alignment, colors, figures, measure_labels, tolerance, title)
        if legend
        else None
    )
    _finish(m, geo, legend_html, collapsed=True)
    return m
