"""Benchmark: the Normandy edit map (2,644 communes, 17 reps) — file size and first draw.

Builds :func:`territory_opt.viz.editor.edit_map` of the current plan (``current_rep``)
and of a before/after edit map (current plan as baseline), writes them offline with
``save_html``, then opens each ``--repeat`` times in headless Debian Chromium with the
network cut (as ``tests/test_maps_browser.py`` does) and times navigation start → every
commune path drawn and ``window.tomEditor`` ready; also times one edit (``move`` + table
refresh) inside the page. Targets: ≤ 5 MB, first draw ≤ 2 s.

Writes (replaces) the ``## Map editor (Normandy)`` section of ``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/map_editor.py --repeat 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _results import machine as _machine
from _results import write_section

from territory_opt.data.datasets import load_normandie
from territory_opt.graph.adjacency import adjacency_graph
from territory_opt.plan.alignment import Alignment
from territory_opt.viz.editor import edit_map
from territory_opt.viz.maps import save_html

HEADER = "## Map editor (Normandy)"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,1000", "--force-device-scale-factor=1",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
)  # fmt: skip


def _driver(profile: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for f in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(f)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def _first_draw(driver: Any, page: Path, n_units: int) -> float:
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(page.resolve().as_uri())
    while time.perf_counter() - start < 60:
        ready = driver.execute_script(
            "return typeof tomEditor === 'object' && "
            "document.querySelectorAll('path.tom-unit').length >= arguments[0]",
            n_units,
        )
        if ready:
            return time.perf_counter() - start
        time.sleep(0.02)
    raise TimeoutError(f"{page} not drawn in 60 s")


def _edit_ms(driver: Any, unit: str, rep: str) -> float:
    return float(
        driver.execute_script(
            "var t = performance.now(); tomEditor.move(arguments[0], arguments[1]);"
            "var d = performance.now() - t; tomEditor.undo(); return d;",
            unit,
            rep,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = load_normandie()
    u = data.units

    def plan(assignment: Any) -> Alignment:
        return Alignment.from_assignment(
            assignment, reps=data.reps, measures=u[["workload", "potential", "accounts"]],
            balance_measures=("workload", "potential"), units=u[["name", "departement", "population", "geometry"]],
        )  # fmt: skip

    current = plan(u["current_rep"])
    G = adjacency_graph(u[["geometry"]], contiguity="queen", islands="bridge")
    # a what-if: every commune of one territory's border to its neighbour's rep
    whatif = current.assignment.copy()
    for a, b in sorted(G.edges())[:400]:
        if whatif[a] != whatif[b] and a not in set(data.reps["home"]):
            whatif[a] = whatif[b]
    out = Path(tempfile.mkdtemp(prefix="tom-editor-bench-"))
    rows = []
    for label, m_fn in (
        ("plan (current)", lambda: edit_map(current, graph=G, title="Current plan", tolerance=0.05)),
        ("before/after", lambda: edit_map(plan(whatif), baseline=current, graph=G, title="What-if", baseline_label="Current")),
    ):  # fmt: skip
        t = time.perf_counter()
        page = save_html(m_fn(), out / f"{label.split()[0].replace('/', '_')}.html")
        build = time.perf_counter() - t
        profile = tempfile.mkdtemp(prefix="tom-chromium-")
        driver = _driver(profile)
        try:
            draws = [_first_draw(driver, page, len(u)) for _ in range(args.repeat)]
            some = next(
                x for x in sorted(G.edges()) if current.assignment[x[0]] != current.assignment[x[1]]
            )
            edit = _edit_ms(driver, some[0], str(current.assignment[some[1]]))
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
        mb = page.stat().st_size / 1e6
        rows.append((label, mb, build, statistics.median(draws), max(draws), edit))
        print(
            f"{label}: {mb:.2f} MB, built {build:.1f} s, first draw median {statistics.median(draws):.2f} s, edit {edit:.0f} ms"
        )
    lines = [
        HEADER,
        "",
        f"Machine: {_machine()}. Headless Chromium, network cut, {args.repeat} opens each; "
        "first draw = navigation → all 2,644 commune paths drawn and the editor ready. "
        "Targets: ≤ 5 MB, ≤ 2 s.",
        "",
        "| Map | Size (MB) | Build + save (s) | First draw median (s) | worst (s) | One edit (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r[0]} | {r[1]:.2f} | {r[2]:.1f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.0f} |" for r in rows
    ]
    write_section(HEADER, "\n".join(lines))
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
