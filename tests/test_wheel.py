"""The built wheel, installed in a fresh venv outside the repository, runs the README's first calls.

The venv gets the package from the wheel only (``--no-deps``); its dependencies come from the
test environment's site-packages through a ``.pth`` line (nothing is downloaded). The check runs
from a temporary folder, so neither the repository nor its ``data/`` folder can be picked up.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import pathlib, sys
    import territory_opt as to
    here = pathlib.Path(to.__file__).resolve()
    assert "site-packages" in str(here) and "{root}" not in str(here), here
    demo = to.load_normandie()
    assert len(demo.units) == 2644 and len(demo.reps) == 17
    # a small corner of the demo, so that 10 s are enough: the four reps of the Manche (50)
    units = demo.units[demo.units["departement"] == "50"]
    reps = demo.reps[demo.reps["home"].isin(units.index)].head(4)
    problem = to.TerritoryProblem.from_geodataframe(
        units, reps, measures=["workload", "potential"], balance={{"workload": 0.25}},
        contiguity="cuts",
    )
    plan = to.optimize(problem, time_limit=10)
    assert plan.report.status in ("optimal", "feasible"), plan.report
    assert sorted(set(plan.assignment)) == sorted(reps.index)
    print("OK", plan.report.status, round(plan.report.objective))
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
def test_wheel_runs_outside_the_repository(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("territory_opt-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]  # this environment's packages, never its own
    Path(site, "deps.pth").write_text(deps + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--target", site, str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    work = tmp_path / "elsewhere"
    work.mkdir()
    res = subprocess.run(
        [str(py), "-c", SCRIPT.format(root=ROOT)],
        cwd=work, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("OK"), res.stdout
