"""Vendored Leaflet/jQuery assets and the offline inliner behind :func:`maps.save_html`.

Folium renders ``<script src="https://...">`` and ``<link href="https://...">`` tags for
Leaflet, jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers, whatever the map
uses. :func:`inline_assets` rewrites a rendered page so that it needs no network:

* a tag whose URL is one of the vendored files (``territory_opt/viz/_vendor``, see the
  README there for versions, sources, checksums and licences) is replaced by the file's
  content inline (images referenced from Leaflet's CSS become ``data:`` URIs);
* jQuery is inlined only if the page's own scripts use it (folium's ``Popup`` does);
* Bootstrap, Font Awesome, glyphicons and awesome-markers are dropped when nothing on
  the page uses them (our maps never do: homes are circle markers with labels);
* any other external script or stylesheet raises :class:`ValueError`: we refuse to
  write an "offline" file that would silently break without network.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources

__all__ = ["VENDORED", "external_asset_urls", "inline_assets"]

_LEAFLET = "leaflet-1.9.3"
_JQUERY = "jquery-3.7.1"

#: URL emitted by folium 0.20 -> vendored file (relative to ``territory_opt/viz/_vendor``).
VENDORED: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": f"{_LEAFLET}/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": f"{_LEAFLET}/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": f"{_JQUERY}/jquery.min.js",
}

# Folium's default assets that our maps do not need: dropped unless the page uses them.
# Each entry: URL substring -> regex that reveals a use of the asset in the page body.
_DROPPABLE: dict[str, str] = {
    "jquery": r"\$\(|\$\.|jQuery",
    "bootstrap@": r"data-bs-|bootstrap\.|class=\"[^\"]*\b(?:btn|modal|navbar)\b",
    "bootstrap-glyphicons": r"glyphicon",
    "fontawesome": r"\bfa-[a-z]|prefix\":\s*\"fa",
    "awesome-markers": r"AwesomeMarkers",
    "awesome.rotate": r"AwesomeMarkers",
}

_TAG_RE = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"'](?P<src>[^\"']+)[\"'][^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"'](?P<href>[^\"']+)[\"'][^>]*/?>",
    re.IGNORECASE,
)
_EXTERNAL = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
_SOURCEMAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((?P<q>[\"']?)(?P<path>images/[^\"')]+)(?P=q)\)")


@cache
def _read_text(rel: str) -> str:
    return resources.files("territory_opt.viz").joinpath("_vendor", rel).read_text(encoding="utf-8")


@cache
def _read_bytes(rel: str) -> bytes:
    return resources.files("territory_opt.viz").joinpath("_vendor", rel).read_bytes()


def _inline_css(rel: str) -> str:
    folder = rel.rsplit("/", 1)[0]
    css = _read_text(rel)

    def data_uri(match: re.Match[str]) -> str:
        raw = _read_bytes(f"{folder}/{match.group('path')}")
        return f"url(data:image/png;base64,{base64.b64encode(raw).decode('ascii')})"

    return _CSS_URL.sub(data_uri, css)


def _script_body(rel: str) -> str:
    # no source-map comment: dev tools would try to fetch it
    return _SOURCEMAP.sub("", _read_text(rel)).replace("</script", "<\\/script")


def external_asset_urls(html: str) -> list[str]:
    """URLs of the external ``<script src>`` and ``<link href>`` tags of a page.

    Parameters
    ----------
    html : str
        A rendered page.

    Returns
    -------
    list of str
        Absolute (``http://``, ``https://`` or protocol-relative) URLs, in page order.
    """
    urls = []
    for match in _TAG_RE.finditer(html):
        url = match.group("src") or match.group("href")
        if url and _EXTERNAL.match(url):
            urls.append(url)
    return urls


def inline_assets(html: str) -> str:
    """Replace every external script/stylesheet of a folium page by inline content.

    Parameters
    ----------
    html : str
        The page rendered by folium.

    Returns
    -------
    str
        The same page with vendored assets inlined and unused folium defaults dropped.

    Raises
    ------
    ValueError
        If the page references an external script or stylesheet that is not vendored
        and is used (e.g. a folium plugin); save with ``offline=False`` or drop it.
    """
    tags = list(_TAG_RE.finditer(html))
    # what the page itself does, without the tags we are about to replace
    body = _TAG_RE.sub("", html)
    missing: list[str] = []
    pieces: list[str] = []
    last = 0
    for match in tags:
        url = match.group("src") or match.group("href") or ""
        pieces.append(html[last : match.start()])
        last = match.end()
        if not _EXTERNAL.match(url):
            pieces.append(match.group(0))
            continue
        is_script = match.group("src") is not None
        needed = True
        for key, pattern in _DROPPABLE.items():
            if key in url:
                needed = re.search(pattern, body) is not None
                break
        if not needed:
            continue
        rel = VENDORED.get(url)
        if rel is None:
            missing.append(url)
            continue
        if is_script:
            pieces.append(f"<script>/* {rel} (inlined) */\n{_script_body(rel)}\n</script>")
        else:
            pieces.append(f"<style>/* {rel} (inlined) */\n{_inline_css(rel)}\n</style>")
    pieces.append(html[last:])
    if missing:
        raise ValueError(
            "the map uses external assets that territory_opt does not vendor: "
            + ", ".join(missing)
            + ". Remove the feature that needs them, or save with offline=False."
        )
    return "".join(pieces)
