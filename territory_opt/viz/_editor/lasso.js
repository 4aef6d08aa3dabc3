/* territory_opt map editor: the lasso. Draw a freehand line around several communes
 * (toolbar "Lasso" toggle, or Alt+drag at any time); on release every unit whose
 * representative point (payload D.pts, [lat, lon]) lies inside the closed line is
 * selected and the rep chooser opens: one move, one undo step. Plain JavaScript on
 * Leaflet 1.9, loaded after editor.js. API: tomEditor.setLasso(on), .lassoSelect(latlngs),
 * .lastLasso(). */
(function () {
    'use strict';
    var P = window.TomEditor.prototype;

    function inside(lat, lon, poly) {
        /* ray casting (even-odd rule) in lon/lat; poly: [[lat, lon], ...], implicitly closed */
        var c = false;
        for (var i = 0, j = poly.length - 1; i < poly.length; j = i++) {
            var yi = poly[i][0], xi = poly[i][1], yj = poly[j][0], xj = poly[j][1];
            if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) { c = !c; }
        }
        return c;
    }

    P.initLasso = function () {
        var self = this, map = this.map, box = map.getContainer();
        this.lassoOn = false; this.lassoing = false; this.lassoPts = null; this.lassoLine = null; this.lastPoly = null;
        var c = L.control({position: 'topleft'});
        c.onAdd = function () {
            var div = L.DomUtil.create('div', 'leaflet-bar tom-lasso-bar');
            div.innerHTML = '<a href="#" role="button" class="tom-lasso-toggle" title="Lasso: draw around communes to move them together (or Alt+drag)">Lasso</a>';
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.on(div.firstChild, 'click', function (ev) { L.DomEvent.stop(ev); self.setLasso(!self.lassoOn); });
            return div;
        };
        c.addTo(map);
        this.lassoButton = c.getContainer().firstChild;
        var wants = function (e) {
            return e.button === 0 && (self.lassoOn || e.altKey) && !e.target.closest('.leaflet-control, .leaflet-popup');
        };
        /* capture phase on the container: Leaflet (drag, clicks on paths) never sees a lasso */
        box.addEventListener('pointerdown', function (e) { if (e.pointerType === 'mouse' && wants(e)) { e.stopPropagation(); } }, true);
        box.addEventListener('mousedown', function (e) {
            if (!wants(e)) { return; }
            e.stopPropagation(); e.preventDefault();
            self.startLasso(map.mouseEventToLatLng(e));
        }, true);
        document.addEventListener('mousemove', function (e) {
            if (!self.lassoing) { return; }
            e.stopPropagation();
            self.extendLasso(map.mouseEventToLatLng(e));
        }, true);
        document.addEventListener('mouseup', function (e) {
            if (!self.lassoing) { return; }
            e.stopPropagation();
            self.extendLasso(map.mouseEventToLatLng(e));
            self.endLasso();
        }, true);
        box.addEventListener('click', function (e) {
            if (self.lassoEnded && Date.now() - self.lassoEnded < 400 && !e.target.closest('.leaflet-control, .leaflet-popup')) {
                e.stopPropagation();
            }
        }, true);
        document.addEventListener('keydown', function (e) {
            if (e.key === 'Escape' && self.lassoing) { self.lassoing = false; self.clearLasso(); }
        });
    };

    P.setLasso = function (on) {
        this.lassoOn = !!on;
        L.DomUtil[on ? 'addClass' : 'removeClass'](this.map.getContainer(), 'tom-lasso-mode');
        L.DomUtil[on ? 'addClass' : 'removeClass'](this.lassoButton, 'tom-on');
        if (on) { this.map.dragging.disable(); } else { this.map.dragging.enable(); }
        return this.lassoOn;
    };

    P.clearLasso = function () {
        if (this.lassoLine) { this.map.removeLayer(this.lassoLine); this.lassoLine = null; }
    };

    P.startLasso = function (ll) {
        this.map.closePopup();
        this.clearLasso();
        this.lassoing = true;
        this.lassoPts = [ll];
        this.lassoLine = L.polyline([ll], {color: '#0050ff', weight: 2, dashArray: '5 4', interactive: false,
            className: 'tom-lasso'}).addTo(this.map);
    };

    P.extendLasso = function (ll) {
        var last = this.lassoPts[this.lassoPts.length - 1];
        var a = this.map.latLngToContainerPoint(last), b = this.map.latLngToContainerPoint(ll);
        if (a.distanceTo(b) < 2) { return; }
        this.lassoPts.push(ll);
        this.lassoLine.addLatLng(ll);
    };

    P.endLasso = function () {
        var self = this, pts = this.lassoPts;
        this.lassoing = false; this.lassoEnded = Date.now();
        this.clearLasso();
        if (pts.length < 3) { return; }
        var poly = pts.map(function (p) { return [p.lat, p.lng]; });
        var units = this.lassoSelect(poly);
        if (!units.length) { return; }
        this.lassoLine = L.polygon(pts, {color: '#0050ff', weight: 2, dashArray: '5 4', fillOpacity: 0.08,
            interactive: false, className: 'tom-lasso'}).addTo(this.map);
        this.openChooser(units, pts[pts.length - 1], function () { self.clearLasso(); });
    };

    P.lassoSelect = function (poly) {
        /* select (and return the indices of) every unit whose point lies inside poly [[lat, lon], ...] */
        var D = this.D, out = [];
        this.lastPoly = poly.map(function (p) { return [Number(p[0]), Number(p[1])]; });
        for (var i = 0; i < D.pts.length; i++) {
            if (D.pts[i] && inside(D.pts[i][0], D.pts[i][1], this.lastPoly)) { out.push(i); }
        }
        this.clearSelection();
        this.selection = out.slice();
        for (var k = 0; k < out.length; k++) { this.paint(out[k]); }
        return out;
    };

    P.lastLasso = function () { return this.lastPoly; };
})();
