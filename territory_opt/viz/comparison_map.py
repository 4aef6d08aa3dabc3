"""Two plans on one map: :func:`plot_comparison`.

The two plans are switchable layers; the units that change rep are hatched and
outlined (tooltip "from → to") and a summary box gives the units and accounts changed
and the balance before and after.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import folium
import geopandas as gpd
import networkx as nx
import pandas as pd

from ..plan.alignment import Alignment
from ._elements import JsControl, JsData, JsLayer, JsScript
from ._format import ATTRIBUTION
from ._geometry import simplify_units
from ._layers import (
    _add_homes,
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
from ._plans import _rep_order, _unit_geometry
from .colors import DISTINCT_PALETTE as DEFAULT_PALETTE
from .colors import territory_colors
from .legend import _figures, _legend_html, _summary_html, _territory_popup
from .orientation import add_orientation

__all__ = ["plot_comparison"]

_HATCH = (
    '<pattern id="{prefix}-hatch" patternUnits="userSpaceOnUse" width="7" height="7" '
    'patternTransform="rotate(45)"><rect width="7" height="7" fill="#ffffff" fill-opacity="0.25"/>'
    '<line x1="0" y1="0" x2="0" y2="7" stroke="#111111" stroke-width="2.2"/></pattern>'
)


def plot_comparison(
    before: Alignment,
    after: Alignment,
    m: folium.Map | None = None,
    *,
    units: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    labels: tuple[str, str] = ("Before", "After"),
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
    editable: bool = False,
) -> folium.Map:
    """Draw two plans as switchable layers with the units that change rep highlighted.

    Parameters
    ----------
    before, after : Alignment
        The two plans (same units; the reps may differ).
    m : folium.Map, optional
        Map to draw on; a new one otherwise.
    units : geopandas.GeoDataFrame, optional
        Unit geometry when the plans carry none.
    graph : networkx.Graph, optional
        Unit adjacency for the colouring (default: from the geometry).
    labels : tuple of str, default ("Before", "After")
        Layer names of the two plans.
    colors : mapping, optional
        rep id -> colour (default: :func:`territory_colors`, which gives every map of
        the same reps the same colours).
    palette : sequence of str
        Qualitative palette; a rep keeps its colour in both plans.
    title : str, optional
        Legend title.
    tiles, tiles_attribution, attribution, simplify_m, fill_opacity, tolerance, measure_labels
        As for :func:`plot_alignment`.
    editable : bool, default False
        Instead, an edit map of ``after`` with ``before`` as the baseline
        (:func:`territory_opt.viz.editor.edit_map`): the "before → edited" box and the
        table update as communes are moved.

    Returns
    -------
    folium.Map
        The "after" plan is shown when the page opens; the layer control switches to
        "before"; the "Changed units" overlay stays on top of both.
    """
    if editable:
        from .editor import edit_map

        return edit_map(
            after, baseline=before, m=m, units=units, graph=graph, colors=colors, title=title,
            baseline_label=labels[0], tiles=tiles, tiles_attribution=tiles_attribution,
            attribution=attribution, simplify_m=simplify_m, fill_opacity=fill_opacity,
            tolerance=tolerance, measure_labels=measure_labels,
        )  # fmt: skip
    src = _unit_geometry([before, after], units)
    geo = simplify_units(src.geometry, simplify_m)
    reps = _rep_order([before, after])
    if colors is None:
        colors = territory_colors([before, after], units=src, graph=graph, palette=palette)
    rep_index = {r: i for i, r in enumerate(reps)}
    fig_b, fig_a = _figures(before), _figures(after)
    if m is None:
        m = _new_map(geo, tiles, tiles_attribution)
    prefix = f"tom{id(m) % 100000}{len(m._children)}"
    shared_b, pat_b = _shared_info(before, rep_index, colors, prefix + "b")
    shared_a, pat_a = _shared_info(after, rep_index, colors, prefix + "a")
    _prepare_map(m, pat_b + pat_a + _HATCH.format(prefix=prefix))

    names = src["name"] if "name" in src.columns else pd.Series(dtype=object)
    columns = _numeric_columns(after.measures)
    measures = after.measures[columns].combine_first(before.measures.reindex(columns=columns))
    plans = {"b": before.assignment, "a": after.assignment}
    data = JsData(_units_data(geo, names, measures, plans, rep_index))
    data.add_to(m)
    ctx = {}
    for key, plan, fig, shared in (("b", before, fig_b, shared_b), ("a", after, fig_a, shared_a)):
        popups = _popups(plan, fig.table, reps, measure_labels, tolerance)
        ctx[key] = _plan_context(
            plan, reps, colors, columns, popups, shared, measure_labels, others=(after, before)
        )
    for c in ctx.values():
        c.add_to(m)
    outlines = {key: JsData(_outline_data(geo, plans[key], rep_index)) for key in ("b", "a")}
    for o in outlines.values():
        o.add_to(m)
    for key, label, show in (("b", labels[0], False), ("a", labels[1], True)):
        _territory_group(
            data, ctx[key], outlines[key], key, fill_opacity, attribution,
            name=label, overlay=False, show=show,
        ).add_to(m)  # fmt: skip

    moves = after.changes(before.assignment)
    changed = _changed_layer(data, ctx["b"], ctx["a"], prefix, len(moves))
    changed.add_to(m)
    add_orientation(m, src, geo, alignment=after, colors=colors, title=title)
    on_top = [changed.get_name()]
    homes = _add_homes(m, after, geo, colors)
    if homes is not None:
        on_top.append(homes.get_name())
    # a plan added by the layer control lands on top: put changes and homes back above it
    fronts = " ".join(f"if ({{map}}.hasLayer({n})) {{ {n}.bringToFront(); }}" for n in on_top)
    JsScript(f"{{map}}.on('baselayerchange', function () {{ {fronts} }});").add_to(m)
    legend_html = _legend_html(
        after, colors, fig_a, measure_labels, tolerance, title or labels[1], before=fig_b
    )
    summary = JsControl(
        _summary_html(before, after, fig_b, fig_a, moves, labels, measure_labels),
        "bottomleft",
        "tom-summary",
    )
    _finish(m, geo, legend_html, collapsed=False, extra=[summary])
    return m


def _popups(
    plan: Alignment,
    table: pd.DataFrame,
    reps: Sequence[Hashable],
    measure_labels: Mapping[str, str] | None,
    tolerance: float | None,
) -> list[str]:
    """The territory popup of each rep of ``reps`` in ``plan`` (empty for reps it lacks)."""
    return [
        _territory_popup(plan, r, table.loc[r], measure_labels, tolerance)
        if r in table.index
        else ""
        for r in reps
    ]


def _changed_layer(data: JsData, ctx_b: JsData, ctx_a: JsData, prefix: str, n: int) -> JsLayer:
    """The units that change rep, hatched, with a "from → to" tooltip."""
    return JsLayer(
        f"""L.geoJson({data.get_name()}, {{className: 'tom-changed',
        filter: function (f) {{ return f.properties.a !== f.properties.b; }},
        style: function () {{ return {{color: '#111111', weight: 2.2, opacity: 1,
                                       fillColor: 'url(#{prefix}-hatch)', fillOpacity: 1}}; }},
        onEachFeature: function (f, layer) {{
            layer.bindTooltip(function (l) {{
                var p = l.feature.properties, a = {ctx_a.get_name()}, b = {ctx_b.get_name()};
                var h = tomUnitTip(l.feature, a, 'a').replace(/<br>Rep: <b>[^<]*<\\/b>/, '');
                var from = p.b >= 0 ? b.reps[p.b] : '(none)', to = p.a >= 0 ? a.reps[p.a] : '(none)';
                return h.replace('</span>', '</span><br><b>' + from + ' \u2192 ' + to + '</b>');
            }}, {{sticky: true, className: 'tom-tip'}});
        }} }})""",
        name=f"Changed units ({n})",
        overlay=True,
    )
