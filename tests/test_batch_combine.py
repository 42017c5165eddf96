"""Combining an agency's returns: merged series, conflicts, duplicates, definitions."""

from __future__ import annotations

from pathlib import Path

from batch_returns import DEFINITIONS, network, write_return
from cipms_cli.batch.combine import Combiner
from cipms_cli.batch.returns import AgencySource, FileStatus, read_return
from cipms_cli.batch.run import run_batch
from cipms_cli.batch.tables import build_tables


def run(paths: list[Path]):
    result = run_batch([str(p) for p in paths], jobs=1)
    return result, build_tables(result)


def codes(result) -> list[tuple[str, str]]:
    return [(p.severity.value, p.code) for p in result.problems]


def test_quarterly_returns_become_one_series_per_indicator(tmp_path):
    q1 = write_return(tmp_path / "AG01_2024-Q1.xlsx", results=[("I1", "2024-Q1", 10, None, None)])
    q2 = write_return(tmp_path / "AG01_2024-Q2.xlsx", results=[("I1", "2024-Q2", 14, None, None)])
    result, tables = run([q2, q1])
    assert result.all_ok and result.problems == []
    assert [
        (r["period"], r["value"], r["source_file"], r["source_cell"]) for r in tables["results"]
    ] == [
        ("2024-Q1", 10.0, str(q1), "Results!C2"),
        ("2024-Q2", 14.0, str(q2), "Results!C2"),
    ]
    (score,) = tables["scores"]
    assert (score["baseline_value"], score["latest_value"], score["n_periods"]) == (10.0, 14.0, 2)


def test_conflicting_figures_are_an_error_naming_both_files_and_cells(tmp_path):
    q1 = write_return(tmp_path / "AG01_2024-Q1.xlsx", results=[("I1", "2024-Q1", 10, None, None)])
    # The Q2 return restates Q1 with another figure, on its Results row 3.
    q2 = write_return(
        tmp_path / "AG01_2024-Q2.xlsx",
        results=[("I1", "2024-Q2", 14, None, None), ("I1", "2024-Q1", 12, None, None)],
    )
    result, tables = run([q1, q2])
    (problem,) = result.problems
    assert (problem.severity.value, problem.code) == ("error", "conflicting-result")
    assert problem.files == (str(q1), str(q2))
    assert problem.cells == (f"{q1}!Results!C2", f"{q2}!Results!C3")
    assert f"{q1}!Results!C2 gives 10" in problem.message
    assert f"{q2}!Results!C3 gives 12" in problem.message
    assert not result.all_ok  # files are fine, but the network data is not
    # The later return's figure is used.
    q1_row = next(r for r in tables["results"] if r["period"] == "2024-Q1")
    assert (q1_row["value"], q1_row["source_file"]) == (12.0, str(q2))


def test_conflict_in_numerator_and_denominator_names_those_cells(tmp_path):
    q1 = write_return(tmp_path / "AG01_2024-Q1.xlsx", results=[("P1", "2024-Q1", None, 8, 10)])
    q2 = write_return(
        tmp_path / "AG01_2024-Q2.xlsx",
        results=[("P1", "2024-Q2", None, 9, 10), ("P1", "2024-Q1", None, 7, 10)],
    )
    result, _ = run([q1, q2])
    (problem,) = result.problems
    assert problem.code == "conflicting-result"
    assert problem.cells == (f"{q1}!Results!D2/E2", f"{q2}!Results!D3/E3")
    assert "80 (8/10)" in problem.message and "70 (7/10)" in problem.message


def test_identical_duplicates_are_a_warning(tmp_path):
    q1 = write_return(tmp_path / "AG01_2024-Q1.xlsx", results=[("I1", "2024-Q1", 10, None, None)])
    q2 = write_return(
        tmp_path / "AG01_2024-Q2.xlsx",
        results=[("I1", "2024-Q1", 10, None, None), ("I1", "2024-Q2", 14, None, None)],
    )
    result, tables = run([q1, q2])
    assert codes(result) == [("warning", "duplicate-result")]
    assert result.problems[0].cells == (f"{q1}!Results!C2", f"{q2}!Results!C2")
    assert result.all_ok
    assert len(tables["results"]) == 2


def test_disagreeing_definitions_are_reported_and_the_latest_is_used(tmp_path):
    changed = {"I1": [*DEFINITIONS["I1"][:6], 120, "2026-Q1"]}
    q1 = write_return(tmp_path / "AG01_2024-Q1.xlsx", results=[("I1", "2024-Q1", 10, None, None)])
    q2 = write_return(
        tmp_path / "AG01_2024-Q2.xlsx",
        results=[("I1", "2024-Q2", 14, None, None)],
        definitions=changed,
    )
    result, tables = run([q2, q1])
    (problem,) = result.problems
    assert (problem.severity.value, problem.code) == ("warning", "definition-differs")
    assert f"target_value is 100 in {q1}; 120 in {q2}" in problem.message
    assert problem.files == (str(q1), str(q2))
    assert tables["scores"][0]["target_value"] == 120.0


def test_a_different_frequency_is_an_error_and_those_figures_are_left_out(tmp_path):
    monthly = {"I1": [*DEFINITIONS["I1"][:5], "monthly", 100, "2026-03"]}
    q1 = write_return(
        tmp_path / "AG01_2024-Q1.xlsx",
        results=[("I1", "2024-03", 10, None, None)],
        definitions=monthly,
    )
    q2 = write_return(tmp_path / "AG01_2024-Q2.xlsx", results=[("I1", "2024-Q2", 14, None, None)])
    result, tables = run([q1, q2])
    (problem,) = result.problems
    assert (problem.severity.value, problem.code) == ("error", "definition-differs")
    assert "frequency is monthly" in problem.message
    assert [r["period"] for r in tables["results"]] == ["2024-Q2"]


def test_invalid_returns_are_listed_but_not_combined(tmp_path):
    good = write_return(tmp_path / "AG01_2024-Q1.xlsx", results=[("I1", "2024-Q1", 10, None, None)])
    bad = write_return(tmp_path / "AG01_2024-Q2.xlsx", results=[("P1", "2024-Q2", 130, None, None)])
    _, tables = run([good, bad])
    statuses = {r["path"]: r["status"] for r in tables["files"]}
    assert statuses == {str(good): "ok", str(bad): "invalid"}
    assert tables["files"][1]["first_error"].startswith("Results!C2: ")
    assert [r["indicator_id"] for r in tables["results"]] == ["I1"]


def test_agency_from_sheet_then_results_column_then_file_name(tmp_path):
    sheet = write_return(tmp_path / "X_2024-Q1.xlsx", agency_id="AG09")
    named = tmp_path / "Y_2024-Q1.xlsx"
    write_return(named, agency_id=None, results=[("I1", "2024-Q1", 10, None, None)])
    stem = write_return(tmp_path / "AG05_2024-Q1.xlsx", agency_id=None)
    plain = write_return(tmp_path / "lakeshore.xlsx", agency_id=None)
    assert read_return(str(sheet)).agency_id == "AG09"
    assert (read_return(str(stem)).agency_id, read_return(str(stem)).agency_source) == (
        "AG05",
        AgencySource.FILE_NAME,
    )
    assert read_return(str(plain)).agency_id == "lakeshore"
    assert read_return(str(named)).agency_id == "Y"


def test_agency_id_in_every_results_row_names_the_agency(tmp_path):
    import openpyxl

    path = write_return(tmp_path / "return.xlsx", agency_id=None)
    wb = openpyxl.load_workbook(path)
    wb["Results"]["F1"], wb["Results"]["F2"] = "agency_id", "AG42"
    wb.save(path)
    ret = read_return(str(path))
    assert (ret.agency_id, ret.agency_source) == ("AG42", AgencySource.RESULTS)


def test_the_outcome_does_not_depend_on_the_order_returns_arrive(tmp_path):
    paths = [
        write_return(tmp_path / "AG01_2024-Q1.xlsx", results=[("I1", "2024-Q1", 10, None, None)]),
        write_return(
            tmp_path / "AG01_2024-Q2.xlsx",
            results=[("I1", "2024-Q2", 14, None, None), ("I1", "2024-Q1", 11, None, None)],
        ),
        write_return(
            tmp_path / "AG01_2024-Q3.xlsx",
            results=[("I1", "2024-Q3", 15, None, None), ("I1", "2024-Q1", 12, None, None)],
        ),
    ]
    returns = [read_return(str(p)) for p in paths]

    def combined(order):
        combiner = Combiner()
        for ret in order:
            assert ret.status is FileStatus.OK
            combiner.add(ret)
        (agency,), problems = combiner.finish()
        return [(u.figure.period.label, u.figure.value, u.path) for u in agency.figures], problems

    forward, backward = combined(returns), combined(returns[::-1])
    assert forward == backward
    figures, problems = forward
    assert figures[0] == ("2024-Q1", 12.0, str(paths[2]))  # the latest return wins
    assert [p.code for p in problems] == ["conflicting-result", "conflicting-result"]


def test_tables_are_sorted_whatever_order_the_files_are_read_in(tmp_path):
    paths = [
        write_return(tmp_path / f"{agency}_2024-Q1.xlsx", agency_id=agency)
        for agency in ("AG03", "AG01", "AG02")
    ]
    _, tables = run(sorted(paths, reverse=True))
    assert [r["path"] for r in tables["files"]] == sorted(str(p) for p in paths)
    assert [r["agency_id"] for r in tables["scores"]] == ["AG01", "AG02", "AG03"]
    assert [r["agency_id"] for r in tables["agency_benchmarks"]] == ["AG01", "AG02", "AG03"]


def _dies_on_crash_files(path: str):
    import os

    from cipms_cli.batch.returns import read_return as real

    if "crash" in path:
        os._exit(1)  # as a segfault in a native reader would end the worker
    return real(path)


def test_a_worker_dying_on_one_file_loses_only_that_file(tmp_path, monkeypatch):
    import cipms_cli.batch.run as run_module

    monkeypatch.setattr(run_module, "read_return", _dies_on_crash_files)
    paths = [
        write_return(tmp_path / f"{agency}_2024-Q1.xlsx", agency_id=agency)
        for agency in ("AG01", "AG02", "AG03", "AG04")
    ]
    paths.insert(2, write_return(tmp_path / "crash_2024-Q1.xlsx", agency_id="AG09"))
    result = run_batch([str(p) for p in paths], jobs=2)
    statuses = {
        f.path: (f.status.value, f.first_error.code if f.first_error else None)
        for f in result.files
    }
    assert statuses == {
        **{str(p): ("ok", None) for p in paths if "crash" not in p.name},
        str(paths[2]): ("unreadable", "reader-crashed"),
    }
    assert sorted(result.scores) == ["AG01", "AG02", "AG03", "AG04"]


_MAIN_PID = __import__("os").getpid()


def _dies_scoring_ag03_in_a_worker(task):
    import os

    from cipms_cli.batch.scored import score_agency as real

    if task[0].agency_id == "AG03" and os.getpid() != _MAIN_PID:
        os._exit(1)  # a worker killed mid-score (out of memory, a native crash)
    return real(task)


def test_a_worker_dying_while_scoring_leaves_every_agency_scored(tmp_path, monkeypatch):
    import cipms_cli.batch.run as run_module

    monkeypatch.setattr(run_module, "score_agency", _dies_scoring_ag03_in_a_worker)
    paths = [
        write_return(tmp_path / f"{agency}_2024-Q1.xlsx", agency_id=agency)
        for agency in ("AG01", "AG02", "AG03", "AG04", "AG05")
    ]
    expected = run_batch([str(p) for p in paths], jobs=1)

    result = run_batch([str(p) for p in paths], jobs=2)

    assert sorted(result.scores) == ["AG01", "AG02", "AG03", "AG04", "AG05"]
    assert {a: s.summary for a, s in result.scores.items()} == {
        a: s.summary for a, s in expected.scores.items()
    }


def _dies_benchmarking_the_first_part_in_a_worker(task):
    import os

    from cipms_cli.batch.benchmarked import benchmark_frame as real

    if "I1" in [key[0] for key in task[0].keys["indicator"]] and os.getpid() != _MAIN_PID:
        os._exit(1)
    return real(task)


def test_a_worker_dying_while_benchmarking_changes_no_table(tmp_path, monkeypatch):
    import cipms_cli.batch.run as run_module

    figures = {"2024-Q1": (30, 40), "2024-Q2": (35, 40)}
    paths = [str(p) for p in network(tmp_path, dict.fromkeys(("AG01", "AG02", "AG03"), figures))]
    expected = build_tables(run_batch(paths, jobs=1))
    monkeypatch.setattr(
        run_module, "benchmark_frame", _dies_benchmarking_the_first_part_in_a_worker
    )
    monkeypatch.setattr(run_module, "BENCHMARK_ROWS", 1)  # one indicator per part

    result = build_tables(run_batch(paths, jobs=2))

    assert result == expected
    assert len({r["indicator_id"] for r in expected["benchmarks"]}) > 1


def test_learner_sheets_are_stacked_the_later_return_winning():
    import dataclasses
    import datetime as dt

    import pandas as pd

    from cipms_cli.batch.combine import _stacked

    @dataclasses.dataclass
    class Sheets:
        learners: pd.DataFrame
        assessments: pd.DataFrame
        memo: dict = dataclasses.field(default_factory=dict)

    def sheets(exit_date, score, row):
        learners = pd.DataFrame(
            {"learner_id": ["L1", "L2"], "exit": [None, exit_date], "row": [2, 3]}
        )
        assessments = pd.DataFrame(
            {"learner_id": ["L1", "L1"], "score": [200, score], "row": [row, row + 1]}
        )
        return Sheets(learners, assessments, memo={"cached": True})

    q1 = ((dt.date(2024, 3, 31), "q1.xlsx"), sheets(None, 210, 2))
    q2 = ((dt.date(2024, 6, 30), "q2.xlsx"), sheets(dt.date(2024, 5, 1), 230, 5))
    combined = _stacked([q2, q1])
    # learner_id identifies a learner in each return: Q2's row (with the exit) replaces Q1's
    assert combined.learners["exit"].tolist() == [None, dt.date(2024, 5, 1)]
    # assessments repeat learner_id: identical rows (ignoring the Excel row) are kept once
    assert combined.assessments["score"].tolist() == [210, 200, 230]
    assert combined.memo == {}  # an engine cache must not describe one return only


def test_agency_level_learner_figures_become_lsa_columns():
    from types import SimpleNamespace

    from cipms_cli.batch.scored import lsa_figures

    card = SimpleNamespace(
        learners={
            "window": {"period": "FY2025-26", "start": "2025-04-01"},
            "served": 40,
            "small_n_threshold": 5,
            "pct_with_gain": {"value": 55.0, "numerator": 11, "denominator": 20, "small_n": False},
            "goal_path_completion": {
                "value": 50.0,
                "numerator": 2,
                "denominator": 4,
                "small_n": True,
            },
            "by_goal_path": [{"goal_path": "Employment", "served": 10}],
        }
    )
    assert lsa_figures(card) == {
        "lsa_window": "FY2025-26",
        "lsa_served": 40,
        "lsa_pct_with_gain": 55.0,
        "lsa_goal_path_completion": None,  # below the privacy threshold: suppressed
    }
    assert lsa_figures(SimpleNamespace()) == {}


def test_an_agency_that_cannot_be_scored_is_reported_and_the_rest_written(tmp_path, monkeypatch):
    import cipms_cli.engine.score as score_module
    from cipms_cli.batch.outputs import csv_text

    real = score_module.score_workbook

    def fails_for_ag02(data, as_of, settings):
        if data.agency.get("agency_id") == "AG02":
            raise ValueError("odd data")
        return real(data, as_of, settings)

    monkeypatch.setattr(score_module, "score_workbook", fails_for_ag02)
    figures = {"2024-Q1": (30, 40), "2024-Q2": (35, 40)}
    paths = [str(p) for p in network(tmp_path, dict.fromkeys(("AG01", "AG02", "AG03"), figures))]

    for encode_csv in (False, True):
        result = run_batch(paths, jobs=1, encode_csv=encode_csv)
        assert sorted(result.scores) == ["AG01", "AG03"]
        (problem,) = result.problems
        assert (problem.code, problem.agency_id) == ("scoring-failed", "AG02")
        assert "ValueError: odd data" in problem.message and not result.all_ok
    scores = csv_text(result, "scores").splitlines()
    assert {line.split(",")[0] for line in scores[1:]} == {"AG01", "AG03"}
    results = csv_text(result, "results").splitlines()
    assert {line.split(",")[0] for line in results[1:]} == {"AG01", "AG02", "AG03"}
