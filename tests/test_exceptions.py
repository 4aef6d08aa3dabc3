"""The input-issue record ``InputIssue`` and its deprecated old name ``Problem``."""

from __future__ import annotations

import warnings

import pytest

import territory_opt
from territory_opt import exceptions
from territory_opt.exceptions import InputIssue, ValidationError


def test_validation_error_holds_input_issues() -> None:
    issue = InputIssue("units", "unit 14118", "workload is NaN.", "Fill it (0 if none).")
    err = ValidationError([issue])
    assert err.problems == (issue,)
    assert str(issue) == "[units] unit 14118: workload is NaN. Fix: Fill it (0 if none)."
    assert str(err) == "1 problem in the input:\n  - " + str(issue)
    # a plain message becomes one InputIssue too
    (only,) = ValidationError("bad file").problems
    assert type(only) is InputIssue
    assert (only.where, only.message) == ("input", "bad file")


def test_problem_alias_in_exceptions_warns_and_is_input_issue() -> None:
    with pytest.warns(DeprecationWarning, match=r"exceptions\.Problem is deprecated") as rec:
        from territory_opt.exceptions import Problem
    assert Problem is InputIssue
    # the warning points at the caller's line, not at territory_opt
    assert rec[0].filename == __file__
    with pytest.warns(DeprecationWarning, match="InputIssue"):
        assert exceptions.Problem is InputIssue


def test_problem_alias_at_top_level_warns_and_is_input_issue() -> None:
    with pytest.warns(DeprecationWarning, match=r"territory_opt\.Problem is deprecated") as rec:
        alias = territory_opt.Problem
    assert alias is InputIssue
    assert rec[0].filename == __file__
    assert territory_opt.InputIssue is InputIssue
    assert "InputIssue" in territory_opt.__all__
    assert "Problem" not in territory_opt.__all__
    assert "Problem" not in exceptions.__all__


def test_new_name_and_unknown_names_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert exceptions.InputIssue is InputIssue
        assert territory_opt.InputIssue is InputIssue
    with pytest.raises(AttributeError, match="Problems"):
        _ = exceptions.Problems  # type: ignore[attr-defined]
