"""Small folium elements used by :mod:`territory_opt.viz.maps`.

Folium's ``GeoJson`` embeds its data once per layer and styles features with a
``switch`` over every feature id; a before/after map would carry the 2,644 Normandy
communes twice. Here the unit geometry is embedded once (:class:`JsData`) and every
layer built from it is a few lines of JavaScript (:class:`JsLayer`), which keeps the
HTML small and the styling in one place. Nothing here needs jQuery, Bootstrap or Font
Awesome, so an offline page only carries Leaflet.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

__all__ = ["CSS_TEXT", "JsControl", "JsData", "JsLayer", "JsScript", "to_js"]


def to_js(value: Any) -> str:
    """JSON for embedding inside a ``<script>`` (no ``</script>`` can close it early)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class JsData(MacroElement):
    """``var <name> = <json>;`` (add it to the map before the layers that use it)."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.payload }};\n"
        "{% endmacro %}"
    )

    def __init__(self, value: Any) -> None:
        super().__init__()
        self._name = "TomData"
        self.payload = to_js(value)


class JsScript(MacroElement):
    """A raw script; ``{map}`` in ``code`` is replaced by the parent map's variable."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}\n{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "TomScript"
        self.raw = code

    def render(self, **kwargs: Any) -> Any:
        parent = self._parent
        self.code = self.raw.replace("{map}", parent.get_name() if parent is not None else "")
        return super().render(**kwargs)


class JsLayer(Layer):
    """A Leaflet layer built by a JavaScript expression (``{self}`` = its own name).

    Parameters
    ----------
    expression : str
        JavaScript expression that evaluates to a Leaflet layer.
    name : str, optional
        Name in the layer control.
    overlay, control, show : bool
        As for :class:`folium.map.Layer`.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.expression }};\n"
        "{% endmacro %}"
    )

    def __init__(
        self,
        expression: str,
        name: str | None = None,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "TomLayer"
        self.expression = expression.replace("{self}", self.get_name())


class JsControl(MacroElement):
    """A fixed HTML box (legend, summary) as a Leaflet control.

    Parameters
    ----------
    html : str
        Inner HTML (trusted: built by us, with user strings escaped).
    position : str
        Leaflet control position.
    css_class : str
        Extra CSS class of the box.
    add : bool
        Add to the map at once (``False``: shown by a layer toggle).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}.onAdd = function () {
    var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
    div.innerHTML = {{ this.html_js }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
};
{% if this.add %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}"""
    )

    def __init__(
        self, html: str, position: str = "bottomright", css_class: str = "", add: bool = True
    ) -> None:
        super().__init__()
        self._name = "TomControl"
        self.html_js = to_js(html)
        self.position = position
        self.css_class = f"tom-box {css_class}".strip()
        self.add = add


CSS_TEXT = """<style>
.leaflet-container { background: #f4f3ef; }
.tom-box { background: rgba(255,255,255,0.94); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 12px/1.35 system-ui, -apple-system,
  "Segoe UI", Roboto, Arial, sans-serif; color: #222; max-height: 75vh; overflow: auto; }
.tom-box h4 { margin: 0 0 4px 0; font-size: 13px; }
.tom-box table { border-collapse: collapse; }
.tom-box th { font-weight: 600; text-align: right; padding: 1px 5px; border-bottom: 1px solid #bbb; }
.tom-box td { text-align: right; padding: 1px 5px; white-space: nowrap; }
.tom-box td.tom-l, .tom-box th.tom-l { text-align: left; }
.tom-box .tom-off { color: #b00020; font-weight: 600; }
.tom-box .tom-muted, .leaflet-tooltip .tom-muted { color: #777; }
.tom-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
  border: 1px solid #333; vertical-align: -2px; }
.tom-label { font: 600 11px system-ui, Arial, sans-serif; background: rgba(255,255,255,0.85);
  border: 0; box-shadow: none; padding: 0 3px; color: #111; }
.tom-label::before { display: none; }
.tom-toggle { cursor: pointer; user-select: none; }
.tom-folded table, .tom-folded div { display: none; }
.tom-tip { font: 12px/1.35 system-ui, Arial, sans-serif; }
</style>"""
