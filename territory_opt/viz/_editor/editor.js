/* territory_opt map editor: move communes between reps in an offline page.
 * Plain JavaScript on Leaflet 1.9, no network. Reads the payload written by
 * territory_opt/viz/editor.py (window.TOM_EDIT) and the unit layer of the map
 * (paths with className 'tom-unit'). Public API: window.tomEditor. */
(function () {
    'use strict';
    function fmt(x, d) {
        if (x === null || x === undefined || !isFinite(x)) { return '\u2013'; }
        return Number(x).toLocaleString('en-GB', {maximumFractionDigits: d || 0, minimumFractionDigits: d || 0});
    }
    function esc(s) { var e = document.createElement('span'); e.textContent = String(s); return e.innerHTML; }

    function TomEditor(map, D) {
        var self = this, n = D.ids.length, R = D.reps.length;
        this.map = map; this.D = D;
        this.assign = D.start.slice();
        this.undoStack = []; this.redoStack = [];
        this.selection = [];
        this.pos = {};
        for (var i = 0; i < n; i++) { this.pos[D.ids[i]] = i; }
        this.layers = new Array(n);
        this.outlines = [];
        map.eachLayer(function (l) {
            if (l.feature && l.options && l.options.className === 'tom-unit' && l.feature.id in self.pos) {
                self.layers[self.pos[l.feature.id]] = l;
            } else if (l.feature && l.options && l.options.className === 'tom-territory') {
                self.outlines.push(l);
            }
        });
        this.layers.forEach(function (l, k) {
            if (!l) { return; }
            l.unbindPopup();
            l.on('click', function (e) { self.onClick(k, e); });
        });
        this.panel = this.control('bottomright', 'tom-box tom-editor', '');
        this.summary = this.control('bottomleft', 'tom-box tom-edit-summary', '');
        this.update([]);
        if (this.initLasso) { this.initLasso(); }
    }

    TomEditor.prototype.control = function (position, cls, inner) {
        var c = L.control({position: position});
        c.onAdd = function () {
            var div = L.DomUtil.create('div', cls);
            div.innerHTML = inner;
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        c.addTo(this.map);
        return c.getContainer();
    };

    /* ------------------------------------------------------------------ moves */
    TomEditor.prototype.onClick = function (k, e) {
        if (this.lassoing || (this.lassoEnded && Date.now() - this.lassoEnded < 400)) { return; }
        if (e.originalEvent && e.originalEvent.shiftKey) {
            var at = this.selection.indexOf(k);
            if (at >= 0) { this.selection.splice(at, 1); } else { this.selection.push(k); }
            this.paint(k);
            return;
        }
        if (this.selection.indexOf(k) < 0) { this.clearSelection(); this.selection.push(k); this.paint(k); }
        this.openChooser(this.selection.slice(), e.latlng);
    };

    TomEditor.prototype.openChooser = function (units, latlng, onClose) {
        /* the rep chooser for one unit or a selection; one undo step for the whole move */
        var self = this, D = this.D, k = units[0];
        var title = units.length === 1 ? '<b>' + esc(D.names[k]) + '</b> <span class="tom-muted">' + esc(D.ids[k]) + '</span>'
            : '<b>' + units.length + ' units</b>';
        var h = '<div class="tom-chooser">' + title + '<br>Move to:';
        for (var r = 0; r < D.reps.length; r++) {
            var cur = units.every(function (u) { return self.assign[u] === r; });
            h += '<button type="button" data-rep="' + r + '"' + (cur ? ' disabled' : '') + '>' +
                '<span class="tom-swatch" style="background:' + D.colors[r] + '"></span>' + esc(D.labels[r]) + '</button>';
        }
        h += '</div>';
        var popup = L.popup({maxWidth: 260, className: 'tom-chooser-popup'}).setLatLng(latlng).setContent(h);
        popup.openOn(this.map);
        var el = popup.getElement();
        Array.prototype.forEach.call(el.querySelectorAll('button[data-rep]'), function (b) {
            L.DomEvent.on(b, 'click', function (ev) {
                L.DomEvent.stop(ev);
                self.moveIndices(units, Number(b.getAttribute('data-rep')));
                self.map.closePopup(popup);
            });
        });
        popup.on('remove', function () { self.clearSelection(); if (onClose) { onClose(); } });
        return popup;
    };

    TomEditor.prototype.clearSelection = function () {
        var old = this.selection; this.selection = [];
        for (var i = 0; i < old.length; i++) { this.paint(old[i]); }
    };

    TomEditor.prototype.moveIndices = function (units, rep) {
        var step = [];
        for (var i = 0; i < units.length; i++) {
            var u = units[i];
            if (this.assign[u] !== rep) { step.push([u, this.assign[u], rep]); }
        }
        if (!step.length) { return false; }
        this.apply(step, 2);
        this.undoStack.push(step); this.redoStack = [];
        this.update(step);
        return true;
    };

    TomEditor.prototype.apply = function (step, to) {
        for (var i = 0; i < step.length; i++) { this.assign[step[i][0]] = step[i][to]; this.paint(step[i][0]); }
    };

    TomEditor.prototype.move = function (unitId, repId) {
        var u = this.pos[String(unitId)], r = this.D.reps.indexOf(String(repId));
        if (u === undefined) { throw new Error('unknown unit ' + unitId); }
        if (r < 0) { throw new Error('unknown rep ' + repId); }
        return this.moveIndices([u], r);
    };

    TomEditor.prototype.undo = function () {
        var step = this.undoStack.pop();
        if (!step) { return false; }
        this.apply(step, 1); this.redoStack.push(step); this.update(step);
        return true;
    };

    TomEditor.prototype.redo = function () {
        var step = this.redoStack.pop();
        if (!step) { return false; }
        this.apply(step, 2); this.undoStack.push(step); this.update(step);
        return true;
    };

    TomEditor.prototype.reset = function () {
        var step = [];
        for (var i = 0; i < this.assign.length; i++) {
            if (this.assign[i] !== this.D.start[i]) { step.push([i, this.assign[i], this.D.start[i]]); }
        }
        if (!step.length) { return false; }
        this.apply(step, 2); this.undoStack.push(step); this.redoStack = []; this.update(step);
        return true;
    };

    TomEditor.prototype.paint = function (k) {
        var l = this.layers[k];
        if (!l) { return; }
        var r = this.assign[k], moved = r !== this.D.start[k], sel = this.selection.indexOf(k) >= 0;
        l.setStyle({
            fillColor: r >= 0 ? this.D.colors[r] : '#cccccc',
            color: sel ? '#0050ff' : (moved ? '#111111' : '#ffffff'),
            weight: sel ? 3 : (moved ? 2.2 : 0.5),
            opacity: moved || sel ? 1 : 0.8,
            dashArray: moved && !sel ? '4 3' : null
        });
        if (moved || sel) { l.bringToFront(); }
    };

    /* ------------------------------------------------------------------ figures */
    TomEditor.prototype.pieces = function () {
        /* number of connected pieces of every territory (BFS on the embedded adjacency) */
        var D = this.D, n = this.assign.length, seen = new Uint8Array(n), out = [];
        for (var r = 0; r < D.reps.length; r++) { out.push(0); }
        var queue = new Int32Array(n);
        for (var s = 0; s < n; s++) {
            var rep = this.assign[s];
            if (seen[s] || rep < 0) { continue; }
            out[rep] += 1; seen[s] = 1;
            var head = 0, tail = 0; queue[tail++] = s;
            while (head < tail) {
                var u = queue[head++];
                for (var p = D.adjp[u]; p < D.adjp[u + 1]; p++) {
                    var v = D.adji[p];
                    if (!seen[v] && this.assign[v] === rep) { seen[v] = 1; queue[tail++] = v; }
                }
            }
        }
        return out;
    };

    TomEditor.prototype.figures = function (assign) {
        var D = this.D, R = D.reps.length, f = {units: [], totals: {}, pct: {}, changedAccounts: [],
            changedUnits: 0, changedAccountsTotal: 0, maxKm: [], meanKm: []};
        var m, r, i;
        for (r = 0; r < R; r++) { f.units.push(0); f.changedAccounts.push(0); f.maxKm.push(null); f.meanKm.push(0); }
        for (m in D.meas) { f.totals[m] = new Array(R).fill(0); }
        for (i = 0; i < assign.length; i++) {
            r = assign[i];
            var changed = r !== D.base[i];
            if (changed) { f.changedUnits += 1; if (D.accounts) { f.changedAccountsTotal += D.meas[D.accounts][i]; } }
            if (r < 0) { continue; }
            f.units[r] += 1;
            for (m in D.meas) { f.totals[m][r] += D.meas[m][i]; }
            if (changed && D.accounts) { f.changedAccounts[r] += D.meas[D.accounts][i]; }
            var km = this.km(i, r);
            if (km !== null) { f.maxKm[r] = Math.max(f.maxKm[r] === null ? 0 : f.maxKm[r], km); f.meanKm[r] += km; }
        }
        for (r = 0; r < R; r++) { f.meanKm[r] = f.maxKm[r] === null ? null : f.meanKm[r] / f.units[r]; }
        D.balance.forEach(function (b) {
            f.pct[b] = f.totals[b].map(function (t, k) { return 100 * t / D.targets[b][k]; });
        });
        return f;
    };

    TomEditor.prototype.km = function (i, r) {
        var D = this.D;
        if (D.dist) { var d = D.dist[i * D.reps.length + r]; return d === null ? null : d; }
        if (!D.homes || D.homes[r] === null || !D.pts[i]) { return null; }
        var a = D.pts[i], b = D.homes[r], rad = Math.PI / 180;
        var dlat = (b[0] - a[0]) * rad, dlon = (b[1] - a[1]) * rad;
        var h = Math.sin(dlat / 2) * Math.sin(dlat / 2) +
            Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dlon / 2) * Math.sin(dlon / 2);
        return 12742 * Math.asin(Math.min(1, Math.sqrt(h)));
    };

    TomEditor.prototype.update = function (step) {
        var D = this.D, f = this.figures(this.assign), pieces = this.pieces(), self = this;
        this.last = f; this.lastPieces = pieces;
        var dim = this.undoStack.length > 0 || this.assign.some(function (r, i) { return r !== D.start[i]; });
        this.outlines.forEach(function (o) { o.setStyle(dim ? {opacity: 0.55, dashArray: '6 4', weight: 1.6} : {opacity: 0.95, dashArray: null, weight: 2.2}); });
        var tol = D.tolerance;
        var h = '<h4 class="tom-toggle" title="click to fold" onclick="this.parentNode.classList.toggle(\'tom-folded\')">' + esc(D.title) + ' <span class="tom-muted">(editing) \u25be</span></h4><table class="tom-edit-table"><tr><th class="tom-l">Territory</th><th>Units</th>';
        if (D.accounts) { h += '<th>Accounts</th>'; }
        D.balance.forEach(function (b) { h += '<th>' + esc(D.mlabels[b]) + ' %</th>'; });
        if (D.accounts) { h += '<th title="accounts whose rep differs from the baseline">Changed acc.</th>'; }
        if (D.kmLabel) { h += '<th>' + esc(D.kmLabel) + '</th>'; }
        h += '</tr>';
        for (var r = 0; r < D.reps.length; r++) {
            h += '<tr data-rep="' + esc(D.reps[r]) + '"><td class="tom-l"><span class="tom-swatch" style="background:' + D.colors[r] + '"></span>' + esc(D.labels[r]) +
                (pieces[r] > 1 ? ' <span class="tom-off" title="not connected">\u26a0 ' + pieces[r] + ' pieces</span>' : '') + '</td>';
            h += '<td data-col="units">' + f.units[r] + '</td>';
            if (D.accounts) { h += '<td data-col="accounts">' + fmt(f.totals[D.accounts][r]) + '</td>'; }
            D.balance.forEach(function (b) {
                var p = f.pct[b][r], off = tol !== null && Math.abs(p - 100) > 100 * tol + 1e-9;
                h += '<td data-col="' + esc(b) + '_pct" data-value="' + p + '"' + (off ? ' class="tom-off"' : '') + '>' + fmt(p, 1) + '</td>';
            });
            if (D.accounts) { h += '<td data-col="changed_accounts" data-value="' + f.changedAccounts[r] + '">' + fmt(f.changedAccounts[r]) + '</td>'; }
            if (D.kmLabel) { h += '<td data-col="km">' + fmt(f.maxKm[r]) + ' / ' + fmt(f.meanKm[r]) + '</td>'; }
            h += '</tr>';
        }
        h += '</table><div class="tom-muted">% of the FTE-weighted target' + (D.kmLabel ? '; km: max / mean from home' : '') +
            '. Click a commune to move it (shift-click: select several; Lasso or Alt+drag: draw around several).</div>';
        this.panel.innerHTML = h;
        this.renderSummary(f, pieces, step);
    };

    TomEditor.prototype.renderSummary = function (f, pieces, step) {
        var D = this.D, self = this, b0 = this.baseFigures || (this.baseFigures = this.figures(D.base));
        var h = '<h4>' + esc(D.baseLabel) + ' \u2192 edited</h4>';
        h += 'Units changing rep: <b data-col="changed_units">' + fmt(f.changedUnits) + '</b> of ' + fmt(D.ids.length);
        if (D.accounts) {
            var tot = D.meas[D.accounts].reduce(function (a, b) { return a + b; }, 0);
            h += '<br>Accounts changing rep: <b data-col="changed_accounts_total" data-value="' + f.changedAccountsTotal + '">' +
                fmt(f.changedAccountsTotal) + '</b> (' + fmt(tot > 0 ? 100 * f.changedAccountsTotal / tot : null, 1) + ' %)';
        }
        h += '<table><tr><th class="tom-l">Balance</th><th>' + esc(D.baseLabel) + '</th><th>Edited</th></tr>';
        D.balance.forEach(function (b) {
            var range = function (p) {
                var lo = Math.min.apply(null, p.filter(isFinite)), hi = Math.max.apply(null, p.filter(isFinite));
                var dev = Math.max(Math.abs(lo - 100), Math.abs(hi - 100));
                return fmt(lo) + '\u2013' + fmt(hi) + ' % (\u00b1' + fmt(dev, 1) + ')';
            };
            h += '<tr><td class="tom-l">' + esc(D.mlabels[b]) + '</td><td>' + range(b0.pct[b]) + '</td><td>' + range(f.pct[b]) + '</td></tr>';
        });
        h += '</table>';
        var broken = [];
        for (var r = 0; r < D.reps.length; r++) { if (pieces[r] > 1) { broken.push(r); } }
        if (broken.length) {
            h += '<div class="tom-warn">\u26a0 Not connected: ' + broken.map(function (r) {
                return esc(D.labels[r]) + ' (' + pieces[r] + ' pieces)';
            }).join(', ') + '</div>';
        }
        h += '<div class="tom-edit-buttons"><button type="button" data-act="undo"' + (this.undoStack.length ? '' : ' disabled') + '>\u21b6 Undo</button>' +
            '<button type="button" data-act="redo"' + (this.redoStack.length ? '' : ' disabled') + '>Redo \u21b7</button>' +
            '<button type="button" data-act="reset">Reset</button>' +
            '<button type="button" data-act="download">\u2b07 Download plan (CSV)</button></div>';
        this.summary.innerHTML = h;
        Array.prototype.forEach.call(this.summary.querySelectorAll('button[data-act]'), function (b) {
            L.DomEvent.on(b, 'click', function (ev) { L.DomEvent.stop(ev); self[b.getAttribute('data-act')](); });
        });
    };

    /* ------------------------------------------------------------------ output */
    TomEditor.prototype.csv = function () {
        var D = this.D, q = function (s) { s = String(s); return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
        var lines = ['unit,rep'];
        for (var i = 0; i < this.assign.length; i++) {
            if (this.assign[i] >= 0) { lines.push(q(D.ids[i]) + ',' + q(D.reps[this.assign[i]])); }
        }
        return lines.join('\r\n') + '\r\n';
    };

    TomEditor.prototype.download = function () {
        var blob = new Blob(['\ufeff' + this.csv()], {type: 'text/csv;charset=utf-8'});
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = this.D.filename;
        document.body.appendChild(a); a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    };

    TomEditor.prototype.table = function () {
        var D = this.D, f = this.last, out = {};
        for (var r = 0; r < D.reps.length; r++) {
            var row = {units: f.units[r], changed_accounts: f.changedAccounts[r], pieces: this.lastPieces[r]};
            for (var m in D.meas) { row[m] = f.totals[m][r]; }
            D.balance.forEach(function (b) { row[b + '_pct_target'] = f.pct[b][r]; });
            out[D.reps[r]] = row;
        }
        return {rows: out, changed_units: f.changedUnits, changed_accounts: f.changedAccountsTotal};
    };

    TomEditor.prototype.assignment = function () {
        var out = {}, D = this.D;
        for (var i = 0; i < this.assign.length; i++) { out[D.ids[i]] = this.assign[i] >= 0 ? D.reps[this.assign[i]] : null; }
        return out;
    };

    window.TomEditor = TomEditor;
})();
