"""Maps for sales meetings: one plan, before/after, offline HTML and a PNG for slides.

Needs the ``maps`` extra (folium, branca, matplotlib).

* :func:`plot_alignment` draws one :class:`~territory_opt.plan.alignment.Alignment` on a
  :class:`folium.Map`: units filled with their territory's colour (faint unit borders),
  dissolved territory outlines in bold, reps' homes as labelled dots, a tooltip per
  unit (name, id, measures, rep), a popup per territory (its row of
  :meth:`Alignment.territory_table`: % of target, units, accounts), a legend with the
  per-territory figures and, optionally, a choropleth of any measure.
* :func:`plot_comparison` draws two plans as switchable layers, highlights the units
  that change rep (hatched, outlined; tooltip "from → to") and adds a summary box
  (units and accounts changed, balance before/after).
* :func:`save_html` writes one self-contained file: Leaflet is inlined from the copy
  vendored in ``territory_opt/viz/_vendor`` (see its README for versions and licences), and
  nothing is fetched when the page opens, except basemap tiles if you asked for some
  (the default is no tiles, so the map is complete offline).
* :func:`save_png` draws a static picture with matplotlib for slides and reports.

Colours: one per rep, all distinct, the same in every map of the same reps
(:mod:`territory_opt.viz.colors`; pass ``colors=`` to share them explicitly). Geometry is simplified with
``shapely.coverage_simplify`` (shared borders stay shared) and rounded to ~10 m,
which keeps the Normandy plan (2,644 communes) near 2 MB.

The code lives in small modules: :mod:`.plan_map`, :mod:`.comparison_map`,
:mod:`.legend` (popups, legend, summary), :mod:`._layers` (the map's scripts),
:mod:`.files` (HTML and PNG) and :mod:`.colors`; this module keeps their public names.

Design note: the unit geometry is embedded once per map as a JavaScript object and all
layers (plans, changed units, choropleth) are built from it by short scripts, instead
of one ``folium.GeoJson`` per layer (which would embed it again and style features
through a ``switch`` over all ids); a before/after map would otherwise double in size.
"""

from __future__ import annotations

from ._format import ATTRIBUTION
from .colors import DISTINCT_PALETTE as DEFAULT_PALETTE
from .colors import territory_colors
from .comparison_map import plot_comparison
from .files import save_html, save_png
from .plan_map import plot_alignment

__all__ = [
    "ATTRIBUTION",
    "DEFAULT_PALETTE",
    "plot_alignment",
    "plot_comparison",
    "save_html",
    "save_png",
    "territory_colors",
]
