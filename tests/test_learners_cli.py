"""`cipms learners` and the learner parts of `cipms score`, on the hand-computed cohort.

Figures are worked out in tests/test_learners_engine.py.
"""

import json
import subprocess
import sys

import pytest

import learner_cohort as cohort


@pytest.fixture
def learner_only(tmp_path):
    path = tmp_path / "learners.xlsx"
    path.write_bytes(cohort.workbook_bytes(cohort.sheets()))
    return path


@pytest.fixture
def with_indicators(tmp_path):
    path = tmp_path / "derived.xlsx"
    head = ["O1", "increase"]
    indicators = [
        [
            "LP",
            "Learner progress",
            *head,
            "percent",
            "quarterly",
            "lsa.learner_progress",
            60,
            "2025-Q1",
        ],
        ["SV", "Learners served", *head, "count", "quarterly", "lsa.learners_served", None, None],
        ["LPY", "Learner progress (LBS)", *head, "percent", "annual", "lsa.learner_progress"],
    ]
    path.write_bytes(cohort.workbook_bytes(cohort.sheets(), indicators))
    return path


def test_learner_only_workbook_validates(cli, learner_only):
    result = cli("validate", learner_only)
    assert result.exit_code == 0, result.output


def test_learners_json(cli, learner_only):
    result = cli("learners", learner_only, "--as-of", "2024-06-30", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    summary = doc["summary"]
    # FY2024-25 to date: 4 served, Learner Progress 2 / 4, goal path completion 1 / 2.
    assert summary["window"]["period"] == "FY2024-25"
    assert summary["served"] == 4
    assert summary["learner_progress"]["value"] == 50.0
    assert summary["goal_path_completion"]["numerator"] == 1
    assert [d["domain"] for d in summary["domains"]] == ["Reading", "Numeracy"]
    # JSON keeps small counts, flagged.
    employment = next(p for p in summary["by_goal_path"] if p["goal_path"] == "Employment")
    assert employment["served"] == 3
    assert employment["small_n"] is True
    assert [p["period"] for p in doc["periods"]] == ["2023-Q4", "2024-Q1", "2024-Q2"]
    assert "learners" not in doc  # per-learner rows only with --learners


def test_per_learner_rows_need_the_option(cli, learner_only):
    result = cli("learners", learner_only, "--as-of", "2024-06-30", "-f", "json", "--learners")
    doc = json.loads(result.stdout)
    assert [r["learner_id"] for r in doc["learners"]] == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert "exit_reason" not in doc["learners"][0]


def test_text_and_markdown_hide_small_breakdowns(cli, learner_only):
    for fmt in ("text", "md"):
        result = cli("learners", learner_only, "--as-of", "2024-06-30", "-f", fmt)
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        totals = next(line for line in lines if "All learners" in line)
        employment = next(line for line in lines if "Employment" in line)
        # Totals are shown (4 served, 50.0 % Learner Progress); Employment has 3 learners.
        assert " 4 " in totals and "50.0%" in totals
        assert "<5" not in totals
        assert "3" not in employment.replace("<5", "")
        assert employment.count("<5") >= 5


def test_the_small_number_threshold_is_a_setting(cli, learner_only, tmp_path):
    config = tmp_path / "cipms.toml"
    config.write_text("[privacy]\nsmall_n = 3\n")
    result = cli("learners", learner_only, "--as-of", "2024-06-30", "-f", "md", "--config", config)
    employment = next(line for line in result.stdout.splitlines() if "| Employment" in line)
    # Employment has 3 learners: not fewer than 3, so shown.
    assert "| 3 |" in employment
    assert "<3" in result.stdout  # Independence has 1 learner


def test_csv_carries_counts_and_the_flag(cli, learner_only):
    result = cli("learners", learner_only, "--as-of", "2024-06-30", "-f", "csv")
    lines = result.stdout.splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    q2 = next(r for r in rows if r["period"] == "2024-Q2" and r["goal_path"] == "Employment")
    assert (q2["served"], q2["small_n"]) == ("3", "True")


def test_annual_periods_are_fiscal_years(cli, learner_only):
    result = cli(
        "learners", learner_only, "--as-of", "2024-06-30", "--period", "annual", "-f", "json"
    )
    doc = json.loads(result.stdout)
    assert [(p["period"], p["learner_progress"]["value"]) for p in doc["periods"]] == [
        ("FY2023-24", 40.0)
    ]


def test_exit_codes(cli, learner_only, tmp_path, examples):
    assert cli("learners", tmp_path / "missing.xlsx").exit_code == 3
    assert cli("learners", learner_only, "-f", "pdf").exit_code == 2
    assert cli("learners", examples / "broken" / "bad-learner-records.xlsx").exit_code == 1
    plain = tmp_path / "plain.xlsx"
    results = {"Results": (["indicator_id", "period", "value"], [["I1", "2024-Q1", 12]])}
    indicator = ["I1", "Intakes", "O1", "increase", "count", "quarterly", None, None, None]
    plain.write_bytes(cohort.workbook_bytes(results, [indicator]))
    result = cli("learners", plain)
    assert result.exit_code == 1
    assert "no Learners sheet" in result.stderr


def test_score_computes_derived_indicators(cli, with_indicators):
    result = cli("score", with_indicators, "--as-of", "2024-Q2", "-f", "json")
    assert result.exit_code == 0, result.stderr
    card = json.loads(result.stdout)
    by_id = {i["indicator_id"]: i for i in card["indicators"]}
    lp = by_id["LP"]
    # Learner Progress per quarter: 0 of 2, 2 of 5, 2 of 4.
    assert [(p["period"], p["value"]) for p in lp["spc"]["points"]] == [
        ("2023-Q4", 0.0),
        ("2024-Q1", 40.0),
        ("2024-Q2", 50.0),
    ]
    assert lp["latest"] == {"period": "2024-Q2", "value": 50.0}
    assert lp["baseline"]["value"] == 0.0
    assert lp["gap"] == pytest.approx(10.0)  # target 60 minus latest 50
    assert lp["status"] is not None
    assert [p["value"] for p in by_id["SV"]["spc"]["points"]] == [2.0, 5.0, 4.0]
    assert [p["period"] for p in by_id["LPY"]["spc"]["points"]] == ["FY2023-24"]
    learners = card["learners"]
    assert learners["served"] == 4
    assert learners["learner_progress"]["value"] == 50.0
    assert {"domain", "n", "median_gain", "pct_with_gain"} <= set(learners["domains"][0])


def test_score_never_scores_a_partial_quarter(cli, with_indicators):
    # On 2024-05-31 the second quarter has not ended: the series stops at 2024-Q1.
    result = cli("score", with_indicators, "--as-of", "2024-05-31", "-f", "json")
    card = json.loads(result.stdout)
    lp = next(i for i in card["indicators"] if i["indicator_id"] == "LP")
    assert lp["latest"] == {"period": "2024-Q1", "value": 40.0}


def test_score_text_and_markdown_show_the_learner_section(cli, with_indicators):
    for fmt in ("text", "md"):
        result = cli("score", with_indicators, "--as-of", "2024-Q2", "-f", fmt)
        assert result.exit_code == 0, result.stderr
        assert "Learner Skill Attainment" in result.stdout
        assert "<5" in result.stdout


def test_score_excel_has_a_learners_sheet(cli, with_indicators, tmp_path):
    import openpyxl

    out = tmp_path / "card.xlsx"
    result = cli("score", with_indicators, "--as-of", "2024-Q2", "-o", out)
    assert result.exit_code == 0, result.stderr
    ws = openpyxl.load_workbook(out)["Learners"]
    cells = [row for row in ws.iter_rows(values_only=True) if row[0] == "Employment"]
    assert cells and cells[0][1] == "<5"


def test_help_does_not_import_pandas():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cipms_cli.cli.app import app\n"
        "CliRunner().invoke(app, ['learners', '--help'])\n"
        "assert 'pandas' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
