"""`cipms score` end to end: the JSON contract, flags, as-of, exit codes and invariants."""

import csv
import io
import json
import random

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile
from cipms_cli.engine.score import score_workbook
from cipms_cli.output.scorecard import CSV_COLUMNS, scorecard_document
from cipms_cli.periods import parse_as_of
from cipms_cli.workbook.validate import validate_source

HEADER = ["indicator_id", "name", "outcome_id", "direction", "unit", "frequency"]
TARGETS = ["target_value", "target_period", "weight", "key", "minimum_standard"]


def indicator(ind, name, direction, unit, target, key=None, minimum=None):
    """An Indicators row: outcome O1, quarterly, due 2026-Q4, weight 1."""
    return [ind, name, "O1", direction, unit, "quarterly", target, "2026-Q4", 1, key, minimum]


DEFAULT_INDICATORS = [
    indicator("UP", "Learners served", "increase", "count", 60),
    indicator("DOWN", "Days waiting", "decrease", "days", 10),
]


def workbook(results, indicators=None, agency=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Outcomes"
    ws.append(["outcome_id", "statement"])
    ws.append(["O1", "Adults read and count well enough to reach their goals"])
    ws = wb.create_sheet("Indicators")
    ws.append(HEADER + TARGETS)
    for row in indicators or DEFAULT_INDICATORS:
        ws.append(row)
    ws = wb.create_sheet("Results")
    ws.append(["indicator_id", "period", "value", "numerator", "denominator"])
    for row in results:
        ws.append(list(row))
    if agency:
        ws = wb.create_sheet("Agency")
        for key, value in agency.items():
            ws.append([key, value])
    return hostile.save(wb)


def quarters(start_year, n):
    return [f"{start_year + i // 4}-Q{i % 4 + 1}" for i in range(n)]


BASE_RESULTS = [("UP", q, 40 + i) for i, q in enumerate(quarters(2022, 12))] + [
    ("DOWN", q, 30 - i) for i, q in enumerate(quarters(2022, 12))
]


def scored(tmp_path, data: bytes, *args, cli):
    path = tmp_path / "w.xlsx"
    path.write_bytes(data)
    result = cli("score", path, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_carries_the_documented_fields(cli, tmp_path):
    doc = scored(tmp_path, workbook(BASE_RESULTS), cli=cli)
    assert doc["schema_version"] == 1
    up = next(i for i in doc["indicators"] if i["indicator_id"] == "UP")
    for key in ("indicator_id", "name", "outcome_id", "direction", "gap", "progress", "status"):
        assert key in up
    assert up["baseline"] == {"period": "2022-Q1", "value": 40.0, "source": "first_result"}
    assert up["latest"] == {"period": "2024-Q4", "value": 51.0}
    assert up["target"] == {"period": "2026-Q4", "value": 60.0}
    # 51 -> 60 still to go; progress (51 - 40) / (60 - 40)
    assert up["gap"] == pytest.approx(9.0)
    assert up["progress"] == pytest.approx(0.55)
    # a perfect straight line rising one a quarter reaches 51 + 8 = 59 by 2026-Q4
    assert up["forecast"]["period"] == "2026-Q4"
    assert up["forecast"]["value"] == pytest.approx(59.0)
    assert up["forecast"]["will_meet_target"] is False
    assert set(up["spc"]) >= {
        "mean",
        "lpl",
        "upl",
        "variation",
        "assurance",
        "trial_limits",
        "points",
    }
    point = up["spc"]["points"][-1]
    assert set(point) == {"period", "value", "point_type", "rule", "mean", "lpl", "upl"}
    # 40..51 rising by one: mean 45.5, every moving range 1, limits 45.5 ± 2.66;
    # the last point (51) lies above the upper limit, which outranks the trend rule
    assert up["spc"]["mean"] == pytest.approx(45.5)
    assert up["spc"]["upl"] == pytest.approx(48.16)
    assert up["spc"]["variation"] == "improvement_high"
    assert point["rule"] == "outside_limits"
    # points 5..7 (45, 46, 47) are inside the limits but part of the rising run
    assert up["spc"]["points"][6]["rule"] == "trend"
    assert up["spc"]["trial_limits"] is True
    down = next(i for i in doc["indicators"] if i["indicator_id"] == "DOWN")
    assert down["gap"] == pytest.approx(9.0)  # 19 days now, 10 wanted
    assert down["spc"]["variation"] == "improvement_low"
    assert set(doc["summary"]) >= {"score", "stars", "counts"}


def test_as_of_limits_the_periods_used(cli, tmp_path):
    doc = scored(tmp_path, workbook(BASE_RESULTS), "--as-of", "2023-Q2", cli=cli)
    up = next(i for i in doc["indicators"] if i["indicator_id"] == "UP")
    assert up["latest"] == {"period": "2023-Q2", "value": 45.0}  # the sixth quarter
    assert doc["as_of"] == "2023-06-30"


def test_data_quality_flags(cli, tmp_path):
    results = [r for r in BASE_RESULTS if r[1] != "2023-Q3"]
    results += [("RATE", q, None, 4, 9) for q in quarters(2022, 10)]
    indicators = [
        *DEFAULT_INDICATORS,
        indicator("RATE", "Completion", "increase", "percent", 60),
    ]
    doc = scored(tmp_path, workbook(results, indicators), cli=cli)
    flags = {i["indicator_id"]: {f["code"] for f in i["data_quality"]} for i in doc["indicators"]}
    assert "missing-periods" in flags["UP"]
    assert {"stale-data", "small-denominator"} <= flags["RATE"]
    rate = next(i for i in doc["indicators"] if i["indicator_id"] == "RATE")
    assert rate["latest"]["value"] == pytest.approx(400 / 9)


def test_key_indicator_below_its_minimum_caps_the_stars(cli, tmp_path):
    indicators = [
        indicator("UP", "Learners served", "increase", "count", 50, key="yes", minimum=55),
        indicator("DOWN", "Days waiting", "decrease", "days", 20),
    ]
    doc = scored(tmp_path, workbook(BASE_RESULTS, indicators), cli=cli)
    # both targets met: 10 points; UP (51) is below its minimum standard of 55
    assert doc["summary"]["score"] == pytest.approx(10.0)
    assert doc["summary"]["stars_before_cap"] == 3
    assert doc["summary"]["stars"] == 1
    assert doc["summary"]["key_failures"] == ["UP"]


def test_exit_codes(cli, tmp_path, examples):
    bad = cli("score", examples / "broken" / "bad-values.xlsx")
    assert bad.exit_code == 1
    assert "percent-out-of-range" in bad.stderr
    assert cli("score", examples / "broken" / "not-a-workbook.xlsx").exit_code == 3
    assert cli("score", examples / "literacy-agency.xlsx", "--as-of", "someday").exit_code == 2
    assert (
        cli(
            "score", examples / "literacy-agency.xlsx", "-o", tmp_path / "x.txt", "-f", "csv"
        ).exit_code
        == 0
    )


def test_csv_has_one_row_per_indicator(cli, examples):
    result = cli("score", examples / "literacy-agency.xlsx", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].split(",") == CSV_COLUMNS
    assert len(lines) == 1 + 13
    first = dict(zip(CSV_COLUMNS, next(csv.reader(lines[1:2])), strict=True))
    # Enumerated words (direction, unit, frequency) are written as their text.
    assert (first["direction"], first["unit"], first["frequency"]) == (
        "increase",
        "count",
        "quarterly",
    )
    assert (first["baseline_value"], first["latest_value"]) == ("27", "44")


def test_config_file_overrides_the_settings_sheet(cli, tmp_path, examples):
    config = tmp_path / "cipms.toml"
    config.write_text("[score]\nstar_thresholds = [9.5, 9.8, 9.9]\n", encoding="utf-8")
    result = cli("score", examples / "literacy-agency.xlsx", "-f", "json", "--config", config)
    assert json.loads(result.stdout)["summary"]["stars"] == 0
    config.write_text("[score]\nno_such_thing = 1\n", encoding="utf-8")
    assert cli("score", examples / "literacy-agency.xlsx", "--config", config).exit_code == 2


def _shuffled_workbook(seed: int) -> bytes:
    rows = list(BASE_RESULTS)
    random.Random(seed).shuffle(rows)
    return workbook(rows)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 10_000))
def test_row_order_does_not_change_the_scorecard(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("order")
    documents = []
    for data in (workbook(BASE_RESULTS), _shuffled_workbook(seed)):
        path = folder / f"w{len(documents)}.xlsx"
        path.write_bytes(data)
        report = validate_source(str(path))
        card = score_workbook(report.data, parse_as_of("2024-Q4"))
        doc = scorecard_document(card)
        doc.pop("path")
        documents.append(json.dumps(doc, sort_keys=True, default=str))
    assert documents[0] == documents[1]


def test_text_output_shows_words_not_only_colour(cli, examples):
    result = cli("score", examples / "literacy-agency.xlsx")
    assert result.exit_code == 0
    for words in ("off track", "met", "concern", "will fail", "Score", "Stars"):
        assert words in result.stdout
    assert io.StringIO(result.stdout).read().count("\x1b[") == 0  # no colour codes off a terminal


def test_points_read_lazily_match_the_json_document(tmp_path):
    path = tmp_path / "w.xlsx"
    path.write_bytes(workbook(BASE_RESULTS))
    card = score_workbook(validate_source(str(path)).data, parse_as_of("2024-Q4"))
    up = next(i for i in card.indicators if i.indicator_id == "UP")

    from cipms_cli.engine.score import point_values

    assert point_values(up.spc) == [40.0 + k for k in range(12)]
    assert len(up.spc.points) == 12
    assert [p.period for p in up.spc.points][:2] == ["2022-Q1", "2022-Q2"]
    assert up.spc.points[-1].value == 51.0
    document = scorecard_document(card)
    json_up = next(i for i in document["indicators"] if i["indicator_id"] == "UP")
    assert [p["value"] for p in json_up["spc"]["points"]] == point_values(up.spc)
    assert up.spc.points == [
        type(up.spc.points[0])(**p) for p in json_up["spc"]["points"]
    ]  # a lazy sequence compares equal to the list of the same points


def test_a_workbook_with_indicators_but_no_results_scores_every_indicator_as_no_data(cli, tmp_path):
    doc = scored(tmp_path, workbook([]), cli=cli)

    assert {i["status"] for i in doc["indicators"]} == {"no_data"}
    assert all(i["spc"]["points"] == [] for i in doc["indicators"])
    assert all(i["spc"]["mean"] is None for i in doc["indicators"])
    assert doc["summary"]["score"] is None


def test_a_blank_workbook_scores_to_an_empty_scorecard(cli, tmp_path):
    path = tmp_path / "blank.xlsx"
    assert cli("init", path).exit_code == 0

    as_json = cli("score", path, "-f", "json")
    as_text = cli("score", path)

    assert as_json.exit_code == 0, as_json.stderr
    assert json.loads(as_json.stdout)["indicators"] == []
    assert as_text.exit_code == 0
    assert "no indicators to score yet" in as_text.stdout


def test_text_piped_into_head_exits_0_quietly(tmp_path):
    # 800 indicators make about 94 KB of text, more than a pipe holds, so `head` really
    # closes the pipe while cipms is still writing.
    import subprocess
    import sys
    from pathlib import Path

    generator = Path(__file__).parent.parent / "benchmarks" / "generate.py"
    book = tmp_path / "big.xlsx"
    subprocess.run(
        [sys.executable, str(generator), "--indicators", "800", "--periods", "4", "-o", str(book)],
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"set -o pipefail; '{sys.executable}' -m cipms_cli score '{book}' | head -1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.splitlines() == [f"{book} — as of 2000-12-31"]
    assert done.stderr == ""
    assert done.returncode == 0  # with pipefail, cipms's own exit status


def test_missing_periods_names_each_gap_within_an_indicator_only():
    import pandas as pd

    from cipms_cli.engine.quality import missing_periods
    from cipms_cli.periods import Frequency, Period

    rows = [("A", 8096), ("A", 8099), ("A", 8100), ("B", 8090), ("B", 8091), ("C", 8200)]
    series = pd.DataFrame(
        {
            "indicator_id": [i for i, _ in rows],
            "ordinal": [o for _, o in rows],
            "period": [Period(Frequency.QUARTERLY, o) for _, o in rows],
        }
    )

    flags = missing_periods(series)

    assert list(flags) == ["A"]  # B to C is a change of indicator, not a gap
    assert len(flags["A"]) == 1
    assert flags["A"][0].message == "no figure for 2024-Q2, 2024-Q3; the series has a gap"


def test_an_indicator_rebased_but_without_results_up_to_the_as_of_date_scores_as_no_data(
    cli, tmp_path
):
    """Its rebase period lies after the as-of date, like all its results: scoring stopped
    with an internal error on the empty run instead of calling it no data."""
    rebased = [*indicator("LATE", "Started later", "increase", "count", 60), "2024-Q3"]
    indicators = [[*row, None] for row in DEFAULT_INDICATORS] + [rebased]
    results = BASE_RESULTS + [("LATE", q, 10 + i) for i, q in enumerate(quarters(2024, 4))]
    wb = openpyxl.load_workbook(io.BytesIO(workbook(results, indicators)))
    wb["Indicators"].cell(row=1, column=len(HEADER + TARGETS) + 1, value="rebase_periods")
    doc = scored(tmp_path, hostile.save(wb), "--as-of", "2023-Q4", cli=cli)
    late = next(i for i in doc["indicators"] if i["indicator_id"] == "LATE")
    assert late["status"] == "no_data"
    assert late["latest"] == {"period": None, "value": None}
    up = next(i for i in doc["indicators"] if i["indicator_id"] == "UP")
    assert up["latest"] == {"period": "2023-Q4", "value": 47.0}
