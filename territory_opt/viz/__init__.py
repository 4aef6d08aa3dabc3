"""Pictures of plans: offline Folium maps, the national map, static PNG, vendored assets.

May import: ``plan``, ``graph``, ``data``, ``exceptions``.
"""

from .colors import DISTINCT_PALETTE, color_distance, rep_colors
from .editor import add_editor, edit_map, editor_payload
from .maps import (
    ATTRIBUTION,
    DEFAULT_PALETTE,
    plot_alignment,
    plot_comparison,
    save_html,
    save_png,
    territory_colors,
)
from .national_map import (
    plot_territories,
)

__all__ = [
    "ATTRIBUTION",
    "DEFAULT_PALETTE",
    "DISTINCT_PALETTE",
    "add_editor",
    "color_distance",
    "edit_map",
    "editor_payload",
    "plot_alignment",
    "plot_comparison",
    "plot_territories",
    "rep_colors",
    "save_html",
    "save_png",
    "territory_colors",
]
