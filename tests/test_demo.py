"""Smoke test of the end-to-end demo with a short time limit (the full run is `make demo`)."""

from __future__ import annotations

import pandas as pd

from territory_opt.demo import run


def test_demo_writes_every_output(tmp_path):
    res = run(tmp_path / "out", time_limit=15)
    files = res["files"]
    for kind in ("gpkg", "xlsx", "account_changes", "map", "comparison", "png"):
        assert files[kind].exists() and files[kind].stat().st_size > 0
    report = res["report"]
    assert report.status in {"optimal", "feasible", "no_solution"}
    if report.status == "optimal":
        assert report.gap is not None and report.gap <= 0.005 + 1e-9
    table = pd.read_csv(files["territories"])
    assert len(table) == 17 and table["workload"].sum() == 12_000
    changes = pd.read_csv(files["account_changes"], dtype=str)
    assert set(changes.columns[:4]) == {"account", "unit", "from_rep", "to_rep"}
    assert (changes["from_rep"] != changes["to_rep"]).all()
