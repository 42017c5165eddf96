"""`cipms batch` as an analyst's shell script meets it: paths, formats, exit codes, failures."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import hostile
from batch_returns import network, write_return
from cipms_cli.batch.tables import TABLES

FIGURES = {
    "AG01": {"2024-Q1": (70, 100), "2024-Q2": (75, 100)},
    "AG02": {"2024-Q1": (45, 50), "2024-Q2": (40, 50)},
    "AG03": {"2024-Q1": (150, 200), "2024-Q2": (170, 200)},
}


@pytest.fixture
def returns(tmp_path) -> Path:
    folder = tmp_path / "returns"
    network(folder, FIGURES)
    return folder


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_examples_folder_reports_the_broken_return_and_uses_the_rest(cli, examples):
    result = cli("batch", examples / "returns", "--jobs", "2")
    assert result.exit_code == 1
    assert last_line(result.stderr) == "cipms: 96 files: 95 ok, 1 invalid, 0 unreadable"
    failures = [line for line in result.stderr.splitlines() if "AG07_2024-Q4.xlsx" in line]
    assert len(failures) == 1
    assert "invalid (2 errors): Results!C4: [percent-out-of-range]" in failures[0]
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 12 * 8  # scores: 12 agencies x 8 indicators
    assert {r["agency_id"] for r in rows} == {f"AG{i:02d}" for i in range(1, 13)}


def test_all_ok_exits_0_and_quiet_is_silent(cli, returns):
    result = cli("batch", returns, "--quiet")
    assert result.exit_code == 0
    assert result.stderr == ""
    loud = cli("batch", returns)
    assert last_line(loud.stderr) == "cipms: 6 files: 6 ok, 0 invalid, 0 unreadable"


def test_same_output_with_one_and_two_jobs(cli, returns):
    # A conflict and an invalid file make sure problems are ordered deterministically too.
    write_return(
        returns / "AG01_2024-Q3.xlsx",
        agency_id="AG01",
        results=[("I1", "2024-Q3", 90, None, None), ("I1", "2024-Q1", 99, None, None)],
    )
    write_return(returns / "AG02_2024-Q3.xlsx", results=[("P1", "2024-Q3", 130, None, None)])
    one = cli("batch", returns, "-f", "json", "--jobs", "1")
    two = cli("batch", returns, "-f", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert one.stderr == two.stderr
    document = json.loads(one.stdout)
    assert document["schema_version"] == 1
    assert set(document) == {"schema_version", "summary", *TABLES}
    assert [p["code"] for p in document["problems"]] == ["conflicting-result"]


def test_hostile_files_in_the_middle_are_reported_and_the_rest_processed(cli, returns):
    good = hostile.xlsx()
    (returns / "AG04_2024-Q1.xlsx").write_bytes(good[: len(good) // 2])  # truncated zip
    (returns / "AG05_2024-Q1.xlsx").write_bytes(hostile.encrypted_ooxml())
    (returns / "AG06_2024-Q1.xlsx").write_text("agency,value\nAG06,12\n")  # a CSV in disguise
    (returns / "notes.txt").write_text("not a spreadsheet: skipped in folders")
    (returns / "~$AG01_2024-Q1.xlsx").write_bytes(b"lock")
    (returns / ".hidden.xlsx").write_bytes(b"hidden")
    result = cli("batch", returns, "-f", "json", "--jobs", "2")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    statuses = {Path(f["path"]).name: f["status"] for f in document["files"]}
    assert statuses == {
        **{f"{a}_{p}.xlsx": "ok" for a, periods in FIGURES.items() for p in periods},
        "AG04_2024-Q1.xlsx": "unreadable",
        "AG05_2024-Q1.xlsx": "unreadable",
        "AG06_2024-Q1.xlsx": "unreadable",
    }
    assert {r["agency_id"] for r in document["scores"]} == set(FIGURES)
    assert last_line(result.stderr) == "cipms: 9 files: 6 ok, 0 invalid, 3 unreadable"
    for name in ("AG04_2024-Q1.xlsx", "AG05_2024-Q1.xlsx", "AG06_2024-Q1.xlsx"):
        (line,) = [x for x in result.stderr.splitlines() if name in x]
        assert ": unreadable (1 error): [" in line
    encrypted = next(f for f in document["files"] if f["path"].endswith("AG05_2024-Q1.xlsx"))
    assert "password" in encrypted["first_error"].lower()


def test_paths_from_stdin(cli, returns):
    listed = sorted(str(p) for p in returns.glob("AG0[12]_*.xlsx"))
    result = cli("batch", "-", "-f", "json", input="\n".join(listed) + "\n\n")
    assert result.exit_code == 0, result.stderr
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == listed


def test_a_missing_file_is_unreadable_not_fatal(cli, returns, tmp_path):
    result = cli("batch", returns, tmp_path / "gone.xlsx", "-f", "json")
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert [f["status"] for f in files if f["path"].endswith("gone.xlsx")] == ["unreadable"]
    assert sum(f["status"] == "ok" for f in files) == 6


@pytest.mark.parametrize(
    "args",
    [
        ["--as-of", "2024-Q5"],
        ["-f", "xlsx", "-o", "out.csv"],
        ["--jobs", "0"],
        ["-", "-"],
    ],
)
def test_usage_errors_exit_2(cli, returns, args):
    assert cli("batch", returns, *args, input="").exit_code == 2


def test_a_folder_without_spreadsheets_is_a_usage_error(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = cli("batch", tmp_path)
    assert result.exit_code == 2
    assert "no spreadsheets" in result.stderr


def test_csv_tables_in_a_new_folder(cli, returns, tmp_path):
    out = tmp_path / "out" / "tables"
    result = cli("batch", returns, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.csv" for name in TABLES)
    for name, columns in TABLES.items():
        with (out / f"{name}.csv").open(newline="") as handle:
            assert next(csv.reader(handle)) == columns
    with (out / "results.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12  # 3 agencies x 2 quarters x 2 indicators
    assert rows[0]["source_cell"] in ("Results!D2/E2", "Results!C3")


def test_jsonl_streams_one_line_per_file(cli, returns, tmp_path):
    (returns / "broken.xlsx").write_text("nope")
    result = cli("batch", returns, "-f", "jsonl", "--jobs", "2")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 7
    parsed = [json.loads(line) for line in lines]
    assert sorted(p["status"] for p in parsed).count("ok") == 6
    ok = next(p for p in parsed if p["status"] == "ok")
    assert {r["indicator_id"] for r in ok["results"]} == {"I1", "P1"}
    written = tmp_path / "files.jsonl"
    assert cli("batch", returns, "-o", written).exit_code == 1
    assert len(written.read_text().splitlines()) == 7


def test_markdown_report(cli, returns):
    (returns / "AG09_2024-Q1.xlsx").write_text("nope")
    result = cli("batch", returns, "-f", "md")
    assert result.exit_code == 1
    assert result.stdout.startswith("# Network summary")
    assert "AG09_2024-Q1.xlsx" in result.stdout
    assert "## Funnel-plot flags" in result.stdout or "No agency is outside" in result.stdout


def test_xlsx_has_a_sheet_per_table_charts_and_no_formulas(cli, tmp_path):
    folder = tmp_path / "returns"
    for agency_id, name in (("AG01", '=HYPERLINK("http://x","y")'), ("AG02", "Plain")):
        for period, num in (("2024-Q1", 40), ("2024-Q2", 45)):
            write_return(
                folder / f"{agency_id}_{period}.xlsx",
                agency_id=agency_id,
                agency={"agency_name": name},
                results=[("P1", period, None, num, 50)],
            )
    out = tmp_path / "network.xlsx"
    result = cli("batch", folder, "-o", out)
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", *TABLES, "Chart data"]
    assert len(wb["Summary"]._charts) == 1  # one indicator
    summary = wb["Summary"]
    assert summary["A1"].value == "Network summary" and summary["A1"].font.b
    assert summary["A2"].value == "4 files: 4 ok, 0 invalid, 0 unreadable"
    assert [c.value for c in summary[6]][:2] == ["agency_id", "agency_name"]
    assert summary.freeze_panes == "A7"  # below the agencies' header
    assert wb["results"].auto_filter.ref.startswith("A1:")
    agencies = wb["agencies"]
    assert agencies.freeze_panes == "A2"
    names = [agencies.cell(row=r, column=2) for r in (2, 3)]
    assert names[0].value.startswith("=HYPERLINK") and names[0].data_type == "s"
    csv_out = cli("batch", folder, "-f", "csv").stdout
    assert "'=HYPERLINK" in csv_out


def test_broken_pipe_is_quiet(returns):
    command = f"'{sys.executable}' -m cipms_cli batch '{returns}' -f jsonl --jobs 2 | head -1"
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=120)
    assert len(done.stdout.splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert "BrokenPipe" not in done.stderr


def test_a_reader_leaving_early_does_not_hide_an_invalid_file(examples):
    # The JSON of the example returns (with one invalid file) is far larger than a pipe holds.
    process = subprocess.Popen(
        [sys.executable, "-m", "cipms_cli", "batch", str(examples / "returns"), "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"{\n"
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert stderr.splitlines()[-1] == "cipms: 96 files: 95 ok, 1 invalid, 0 unreadable"


def test_ctrl_c_exits_130_and_leaves_no_partial_output(examples, tmp_path):
    out = tmp_path / "tables"
    process = subprocess.Popen(
        [sys.executable, "-m", "cipms_cli", "batch", str(examples / "returns"), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    deadline = time.monotonic() + 60
    while not _has_children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert not out.exists() or list(out.iterdir()) == []


def _has_children(pid: int) -> bool:
    try:
        return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return False


def test_control_characters_from_a_workbook_cannot_break_the_excel_output(cli, tmp_path):
    # A workbook stores an invisible control character as _x0007_, and python-calamine
    # decodes it; Excel files cannot hold one, and openpyxl refuses it with an error.
    folder = tmp_path / "returns"
    write_return(
        folder / "AG01_2024-Q1.xlsx",
        agency_id="AG01",
        agency={"agency_name": "North_x0007_shore"},
        results=[("P1", "2024-Q1", None, 40, 50)],
    )
    write_return(
        folder / "AG02_2024-Q1.xlsx",
        agency_id="AG02",
        results=[("P1", "2024-Q1", "4_x0007_0", None, None)],
    )
    out = tmp_path / "network.xlsx"
    result = cli("batch", folder, "-o", out)
    assert result.exit_code == 1, result.stderr  # AG02's value is not a number
    assert "internal error" not in result.stderr
    wb = openpyxl.load_workbook(out)
    assert wb["agencies"]["B2"].value == "Northshore"  # names lose the invisible character
    first_errors = [row[7] for row in wb["files"].iter_rows(min_row=2, values_only=True)]
    assert first_errors[0] is None
    assert "'4\ufffd0' is not a number" in first_errors[1]  # a quoted cell shows it
    assert (
        cli(
            "score", folder / "AG01_2024-Q1.xlsx", "-f", "xlsx", "-o", tmp_path / "s.xlsx"
        ).exit_code
        == 0
    )
