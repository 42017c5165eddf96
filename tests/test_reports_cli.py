"""`cipms plan` and `cipms report` as a user meets them: formats, exit codes, bad input,
and the round trip of the action plan through the workbook contract."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from report_workbooks import (
    ACTION_HEADER,
    EXAMPLE,
    action_row,
    add_actions,
    drop_learner_sheets,
    drop_targets,
    example_variant,
)

AS_OF = "2025-Q2"


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cipms: ")
    return lines[0]


# --- formats -----------------------------------------------------------------------------


def test_plan_markdown_goes_to_stdout(cli):
    result = cli("plan", EXAMPLE, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Improvement plan: Lakeshore Literacy Network\n")
    assert "### SMART check of the target" in result.stdout
    assert "**Story behind the curve.**" in result.stdout


@pytest.mark.parametrize(
    ("model", "prompt"),
    [
        ("rba", "**Partners.**"),
        ("leap", "**Monitoring.**"),
        ("future-basing", "**Critical path.**"),
        ("Future-Basing", "**Milestones working backwards.**"),
    ],
)
def test_each_model_asks_its_own_questions(cli, model, prompt):
    result = cli("plan", EXAMPLE, "--as-of", AS_OF, "--model", model, "--priorities", "1")
    assert result.exit_code == 0, result.stderr
    assert prompt in result.stdout
    assert result.stdout.count("## Priority ") == 1


@pytest.mark.parametrize("command", ["plan", "report"])
@pytest.mark.parametrize(
    ("args", "suffix"), [(("-o",), ".xlsx"), (("-f", "xlsx", "-o"), ".xlsx"), (("-o",), ".md")]
)
def test_output_format_follows_the_extension(cli, tmp_path, command, args, suffix):
    out = tmp_path / f"out{suffix}"
    result = cli(command, EXAMPLE, "--as-of", AS_OF, *args, out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(out)
        assert ("Plan" if command == "plan" else "Headline") == wb.sheetnames[0]
    else:
        assert out.read_text(encoding="utf-8").startswith("# ")


def test_plan_xlsx_has_a_sheet_and_chart_per_priority(cli, tmp_path):
    out = tmp_path / "plan.xlsx"
    assert cli("plan", EXAMPLE, "--as-of", AS_OF, "--priorities", "2", "-o", out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "Plan",
        "Priority 1",
        "Priority 2",
        "Actions",
        "Ranking",
        "Instructions",
        "Chart data",
    ]
    assert [len(wb[f"Priority {n}"]._charts) for n in (1, 2)] == [1, 1]
    actions = wb["Actions"]
    assert [c.value for c in actions[1]] == ACTION_HEADER
    assert actions.freeze_panes == "A2"
    kinds = {dv.type for dv in actions.data_validations.dataValidation}
    assert kinds == {"list", "date"}


def test_scrutiny_xlsx_charts_every_indicator(cli, tmp_path):
    out = tmp_path / "scrutiny.xlsx"
    assert cli("report", EXAMPLE, "--as-of", AS_OF, "-o", out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:6] == [
        "Headline",
        "Indicators",
        "Questions",
        "Charts",
        "Data quality",
        "What else",
    ]
    assert len(wb["Charts"]._charts) == 13
    assert wb["Indicators"].freeze_panes == "A2"
    assert "Learners" in wb.sheetnames


def test_blank_action_plan_needs_no_workbook(cli, tmp_path):
    out = tmp_path / "action-plan.xlsx"
    result = cli("plan", "--blank", "-o", out)
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Instructions", "Actions"]
    actions = wb["Actions"]
    assert [c.value for c in actions[1]] == ACTION_HEADER
    assert actions.max_row == 1
    statuses = [dv for dv in actions.data_validations.dataValidation if dv.type == "list"]
    assert statuses[0].formula1 == '"not_started,in_progress,done,blocked,dropped"'


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", EXAMPLE, "--model", "pdca"), "--model 'pdca' is not known"),
        (("plan", EXAMPLE, "-o", "{tmp}/plan.txt"), "must end in .md or .xlsx"),
        (("plan", EXAMPLE, "-o", "{tmp}/plan.md", "-f", "xlsx"), "make them agree"),
        (("report", EXAMPLE, "-o", "{tmp}/r.xlsx", "-f", "md"), "make them agree"),
        (("report", EXAMPLE, "-o", "{tmp}/r.csv"), "must end in .md or .xlsx"),
        (("plan", EXAMPLE, "-o", "{tmp}/missing/plan.md"), "does not exist"),
        (("report", EXAMPLE, "-o", "{tmp}/missing/r.xlsx"), "does not exist"),
        (("plan", EXAMPLE, "-o", "{tmp}/folder.md"), "is a folder"),
        (("plan", EXAMPLE, "--priorities", "0"), "--priorities must be between 1 and 20"),
        (("plan", "--blank", "-o", "{tmp}/a.md"), "must end in .xlsx"),
        (("plan", EXAMPLE, "--blank", "-o", "{tmp}/a.xlsx"), "takes no FILE"),
        (("plan",), "give the workbook FILE"),
        (("report", EXAMPLE, "--template", "{tmp}/none.md.j2"), "does not exist"),
        (("report", EXAMPLE, "--template", "{tmp}/t.md.j2", "-o", "{tmp}/x.xlsx"), "text"),
        (("plan", EXAMPLE, "-o", EXAMPLE), "refusing to write over the input file"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(cli, tmp_path, args, message):
    (tmp_path / "t.md.j2").write_text("{{ title }}\n", encoding="utf-8")
    (tmp_path / "folder.md").mkdir()
    result = cli(*[str(a).replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2, result.output
    assert message in one_line(result)


def test_an_invalid_workbook_exits_1_with_its_errors(cli, tmp_path):
    broken = EXAMPLE.parent / "broken" / "bad-values.xlsx"
    for command in ("plan", "report"):
        result = cli(command, broken)
        assert result.exit_code == 1
        assert "INVALID" in result.stderr


def test_a_workbook_without_targets_still_gets_a_useful_report(cli, tmp_path):
    path = example_variant(tmp_path, "no-targets.xlsx", drop_targets)
    result = cli("report", path, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "**No indicator has a target**" in text
    assert "Composite score" not in text
    assert "What the chart says" in text
    assert "There is no target: what would good look like, and by when?" in text
    plan = cli("plan", path, "--as-of", AS_OF)
    assert plan.exit_code == 0, plan.stderr
    assert "Without targets the plan cannot say what is not good enough" in plan.stdout
    xlsx = tmp_path / "no-targets-report.xlsx"
    assert cli("report", path, "--as-of", AS_OF, "-o", xlsx).exit_code == 0
    headline = openpyxl.load_workbook(xlsx)["Headline"]
    assert str(headline["A4"].value).startswith("No indicator has a target")


def test_a_workbook_without_learner_sheets_has_no_lsa_section(cli, tmp_path):
    path = example_variant(tmp_path, "no-learners.xlsx", drop_learner_sheets)
    result = cli("report", path, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert "Learner Skill Attainment" not in result.stdout
    with_learners = cli("report", EXAMPLE, "--as-of", AS_OF).stdout
    assert "## Learner Skill Attainment" in with_learners
    xlsx = tmp_path / "r.xlsx"
    assert cli("report", path, "--as-of", AS_OF, "-o", xlsx).exit_code == 0
    assert "Learners" not in openpyxl.load_workbook(xlsx).sheetnames


def test_report_lists_needs_attention_before_the_outcomes(cli):
    text = cli("report", EXAMPLE, "--as-of", AS_OF).stdout
    attention = text.index("## Needs attention first")
    first_outcome = text.index("## OC1")
    assert attention < first_outcome
    assert "1. **LBS06 Days from referral to assessment**" in text[attention:first_outcome]
    assert text.count("And that's good for the public because…?") == 4
    assert text.rstrip().splitlines()[-1].startswith("- What the people served say")


def test_help_does_not_import_the_heavy_libraries():
    import subprocess
    import sys

    code = (
        "import sys; from typer.testing import CliRunner; from cipms_cli.cli.app import app; "
        "CliRunner().invoke(app, ['plan', '--help']); CliRunner().invoke(app, ['report', '--help']); "
        "print(sorted(m for m in ('pandas', 'openpyxl', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the round trip ------------------------------------------------------------------------

FILLED = [
    # overdue: due before the as-of (2025-06-30) and still in progress
    action_row(
        "A1",
        "LBS06",
        "Same-week assessment slots",
        "Intake Coordinator",
        start=dt.date(2025, 1, 6),
        due=dt.date(2025, 3, 31),
        resources="2 days a week",
        expected_effect_value=15,
        expected_effect_date=dt.date(2025, 12, 31),
        status="in_progress",
    ),
    # no owner
    action_row(
        "A2",
        "LBS09",
        "Exit interviews",
        None,
        start=dt.date(2025, 7, 1),
        due=dt.date(2025, 12, 31),
        status="not_started",
    ),
    # due before start
    action_row(
        "A3",
        "LBS07",
        "Renegotiate the lease",
        "Finance Manager",
        start=dt.date(2025, 9, 1),
        due=dt.date(2025, 8, 1),
        status="not_started",
    ),
    # done: closed, never overdue
    action_row(
        "A4",
        "LBS06",
        "Triage referrals daily",
        "Intake Coordinator",
        start=dt.date(2025, 1, 6),
        due=dt.date(2025, 2, 28),
        status="done",
        evidence="log",
    ),
]


def fill_and_copy(tmp_path, source):
    """Fill the Actions sheet of a generated file, then copy it into a copy of the example."""
    filled = openpyxl.load_workbook(source)
    sheet = filled["Actions"]
    for row in FILLED:
        sheet.append(row)
    filled.save(tmp_path / "filled.xlsx")
    rows = [list(r) for r in openpyxl.load_workbook(tmp_path / "filled.xlsx")["Actions"].values]
    assert rows[0] == ACTION_HEADER
    return example_variant(tmp_path, "with-actions.xlsx", add_actions(rows[1:]))


@pytest.mark.parametrize("source", ["plan", "blank"])
def test_filled_actions_read_back_through_the_contract(cli, tmp_path, source):
    generated = tmp_path / f"{source}.xlsx"
    args = ("plan", EXAMPLE, "--as-of", AS_OF) if source == "plan" else ("plan", "--blank")
    assert cli(*args, "-o", generated).exit_code == 0
    workbook = fill_and_copy(tmp_path, generated)

    result = cli("validate", workbook, "-f", "json")
    assert result.exit_code == 1  # due before start is an error
    file = json.loads(result.stdout)["files"][0]
    problems = file["errors"] + file["warnings"]
    found = {(p["code"], p["sheet"], p["cell"], p["severity"]) for p in problems}
    assert ("overdue-action", "Actions", "F2", "warning") in found
    assert ("missing-owner", "Actions", "D3", "warning") in found
    assert ("due-before-start", "Actions", "F4", "error") in found
    assert not any(p["cell"] == "F5" for p in problems)  # done is never overdue


def test_score_and_report_show_the_open_actions(cli, tmp_path):
    rows = [r for r in FILLED if r[0] != "A3"]  # a valid action plan
    workbook = example_variant(tmp_path, "actions.xlsx", add_actions(rows))
    result = cli("score", workbook, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.stderr
    by_id = {i["indicator_id"]: i for i in json.loads(result.stdout)["indicators"]}
    lbs06 = by_id["LBS06"]["actions"]
    assert [(a["action_id"], a["status"], a["overdue"]) for a in lbs06] == [
        ("A1", "in_progress", True)
    ]
    assert by_id["LBS09"]["actions"][0]["owner"] is None
    assert by_id["LBS01"]["actions"] == []

    text_file = tmp_path / "score.txt"
    assert cli("score", workbook, "--as-of", AS_OF, "-o", text_file).exit_code == 0
    text = text_file.read_text(encoding="utf-8")
    assert "Open actions" in text and "1 (1 overdue)" in text
    markdown = cli("score", workbook, "--as-of", AS_OF, "-f", "md").stdout
    assert "| Open actions |" in markdown
    report = cli("report", workbook, "--as-of", AS_OF).stdout
    assert (
        "- A1: Same-week assessment slots (Intake Coordinator, due 2025-03-31, in progress, **overdue**)"
        in report
    )
    assert "An action meant to improve this is overdue" in report
    plan = cli("plan", workbook, "--as-of", AS_OF).stdout
    assert "| A4 | Triage referrals daily |" in plan  # done actions stay in the plan's record


def test_plan_xlsx_carries_the_workbook_actions_forward(cli, tmp_path):
    rows = [r for r in FILLED if r[0] != "A3"]
    workbook = example_variant(tmp_path, "actions.xlsx", add_actions(rows))
    out = tmp_path / "plan.xlsx"
    assert cli("plan", workbook, "--as-of", AS_OF, "-o", out).exit_code == 0
    sheet = openpyxl.load_workbook(out)["Actions"]
    assert [sheet.cell(row=r, column=1).value for r in range(2, 5)] == ["A1", "A2", "A4"]
    assert sheet["F2"].value == dt.datetime(2025, 3, 31)
    assert sheet["F2"].number_format == "yyyy-mm-dd"
