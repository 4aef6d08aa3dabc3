"""The territory-opt command line: exit codes and messages."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from territory_opt.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory, normandie):
    d = tmp_path_factory.mktemp("cli")
    units = d / "communes.gpkg"
    normandie.units.iloc[:300].reset_index().to_file(units)
    reps = d / "reps.csv"
    ids = list(normandie.units.index[:300])
    normandie.reps.iloc[:3].assign(home=[ids[0], ids[100], ids[200]]).reset_index().to_csv(
        reps, index=False
    )
    return units, reps


def test_validate_ok_and_inputs_unchanged(files):
    units, reps = files
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    res = runner.invoke(
        app, ["validate", str(units), "--unit-id", "insee", "--reps", str(reps), "-m", "workload"]
    )
    assert res.exit_code == 0, res.output
    assert "300 units, 3 reps" in res.output
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in files] == before


def test_validate_reports_problems_with_exit_1(files, tmp_path):
    units, reps = files
    bad = tmp_path / "reps.csv"
    bad.write_text(reps.read_text().replace("R02", "R01"))
    res = runner.invoke(
        app, ["validate", str(units), "--unit-id", "insee", "--reps", str(bad), "-m", "revenue"]
    )
    assert res.exit_code == 1
    assert "revenue" in res.output and "R01" in res.output
    assert "Traceback" not in res.output


def test_missing_file_is_user_error(tmp_path):
    res = runner.invoke(app, ["validate", str(tmp_path / "none.gpkg")])
    assert res.exit_code == 1 and "file not found" in res.output


def test_help_has_examples():
    res = runner.invoke(app, ["validate", "--help"])
    assert res.exit_code == 0 and "Example" in res.output
