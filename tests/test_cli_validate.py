"""`cipms validate` as a user meets it: exit codes, located problems, formats."""

import json
import subprocess
import sys

import openpyxl
import pytest

import hostile
from cipms_cli.output.validation import CSV_COLUMNS


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def minimal_workbook(**edits):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Outcomes"
    ws.append(["outcome_id", "statement"])
    ws.append(["O1", "Adults read well enough to reach their goals"])
    ws = wb.create_sheet("Indicators")
    ws.append(
        [
            "indicator_id",
            "name",
            "outcome_id",
            "direction",
            "unit",
            "frequency",
            "target_value",
            "target_period",
        ]
    )
    ws.append(["I1", "Learners served", "O1", "increase", "count", "quarterly", 100, "2026-Q1"])
    ws = wb.create_sheet("Results")
    ws.append(["indicator_id", "period", "value"])
    for q, v in [("2024-Q1", 10), ("2024-Q2", 12), ("2024-Q3", 13)]:
        ws.append(["I1", q, v])
    for sheet, cell, value in edits.get("cells", []):
        wb[sheet][cell] = value
    for sheet in edits.get("drop", []):
        del wb[sheet]
    return hostile.save(wb)


def test_valid_example_exits_0(cli, examples):
    result = cli("validate", examples / "literacy-agency.xlsx")
    assert result.exit_code == 0, result.output
    assert "valid" in result.stderr


@pytest.mark.parametrize(
    ("builder", "code"),
    [
        (lambda: b"just some notes\n", "not-a-spreadsheet"),
        (lambda: hostile.xlsx()[:700], "corrupt-file"),
        (hostile.encrypted_ooxml, "encrypted-workbook"),
        (
            lambda: hostile.forge_declared_size(hostile.xlsx(), "xl/worksheets/sheet1.xml", 2**31),
            "zip-bomb",
        ),
        (lambda: hostile.with_sheet_xml(hostile.xlsx(), hostile.billion_laughs()), "unsafe-xml"),
        (hostile.without_worksheets, "empty-workbook"),
        (lambda: b"", "empty-file"),
        (lambda: "café;naïve\n".encode("latin-1"), "not-a-spreadsheet"),
    ],
    ids=[
        "txt-renamed",
        "truncated-zip",
        "encrypted",
        "zip-bomb",
        "billion-laughs",
        "no-sheets",
        "empty-file",
        "non-utf8",
    ],
)
def test_unreadable_files_exit_3_with_one_line(cli, tmp_path, builder, code):
    path = write(tmp_path, "bad.xlsx", builder())
    result = cli("validate", path, "--format", "json")
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    (entry,) = doc["files"]
    assert entry["readable"] is False and entry["valid"] is False
    assert entry["errors"][0]["code"] == code
    assert "Traceback" not in result.output
    assert result.stderr.count("\n") == 1


def test_missing_file_and_directory_exit_3(cli, tmp_path):
    missing = cli("validate", tmp_path / "nope.xlsx")
    assert missing.exit_code == 3
    assert "nope.xlsx" in missing.stderr
    folder = cli("validate", tmp_path)
    assert folder.exit_code == 3


def test_missing_sheet_and_column_are_located(cli, tmp_path):
    no_results = write(tmp_path, "a.xlsx", minimal_workbook(drop=["Results"]))
    result = cli("validate", no_results, "--format", "json")
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["files"][0]["errors"]
    assert [e["code"] for e in errors] == ["missing-sheet"]
    assert "Results" in errors[0]["message"]

    no_direction = write(tmp_path, "b.xlsx", minimal_workbook(cells=[("Indicators", "D1", None)]))
    errors = json.loads(cli("validate", no_direction, "-f", "json").stdout)["files"][0]["errors"]
    assert errors[0]["code"] == "missing-column"
    assert (errors[0]["sheet"], errors[0]["row"], errors[0]["column"]) == (
        "Indicators",
        1,
        "direction",
    )


def test_broken_examples_report_exact_cells(cli, examples):
    result = cli("validate", examples / "broken" / "bad-values.xlsx", "--format", "json")
    assert result.exit_code == 1
    found = {
        (e["sheet"], e["cell"], e["code"]) for e in json.loads(result.stdout)["files"][0]["errors"]
    }
    assert ("Results", "C122", "percent-out-of-range") in found
    assert ("Results", "D93", "numerator-exceeds-denominator") in found
    assert ("Results", "C41", "negative-count") in found
    assert ("Results", "B77", "invalid-period") in found
    assert ("Results", "B55", "period-frequency-mismatch") in found
    assert ("Indicators", "D4", "invalid-direction") in found


def test_title_rows_keep_excel_row_numbers(cli, tmp_path):
    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    ws = wb["Results"]
    ws.insert_rows(1, amount=3)
    ws["A1"] = "Quarterly return"
    ws["C7"] = "twelve"
    path = write(tmp_path, "t.xlsx", hostile.save(wb))
    errors = json.loads(cli("validate", path, "-f", "json").stdout)["files"][0]["errors"]
    assert [(e["cell"], e["row"], e["code"], e["value"]) for e in errors] == [
        ("C7", 7, "not-a-number", "twelve")
    ]


def test_extra_columns_and_sheets_are_warnings_only(cli, examples):
    result = cli("validate", examples / "broken" / "unknown-extras.xlsx", "-f", "json")
    assert result.exit_code == 0
    entry = json.loads(result.stdout)["files"][0]
    assert entry["valid"] and not entry["errors"]
    assert {w["code"] for w in entry["warnings"]} >= {"unknown-column", "unknown-sheet"}


def test_worst_exit_code_wins_across_files(cli, examples, tmp_path):
    junk = write(tmp_path, "junk.xlsx", b"not a workbook")
    result = cli(
        "validate",
        examples / "literacy-agency.xlsx",
        examples / "broken" / "bad-values.xlsx",
        junk,
        "-f",
        "json",
    )
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["valid"] is False
    assert [f["valid"] for f in doc["files"]] == [True, False, False]


def test_csv_output_has_documented_columns(cli, examples):
    result = cli("validate", examples / "broken" / "bad-references.xlsx", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].split(",") == CSV_COLUMNS
    assert len(lines) > 1


def test_stdin_dash(cli, examples):
    data = (examples / "literacy-agency.xlsx").read_bytes()
    result = cli("validate", "-", "-f", "json", input=data)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][0]["path"] == "<stdin>"


def test_format_must_match_output_extension(cli, examples, tmp_path):
    result = cli(
        "validate", examples / "literacy-agency.xlsx", "-f", "json", "-o", tmp_path / "r.csv"
    )
    assert result.exit_code == 2


def test_1904_date_system_is_read_correctly(cli, tmp_path):
    import datetime as dt

    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    wb.epoch = CALENDAR_MAC_1904
    ws = wb["Results"]
    ws["B2"] = dt.date(2024, 3, 31)
    ws["B2"].number_format = "yyyy-mm-dd"
    path = write(tmp_path, "mac.xlsx", hostile.save(wb))
    result = cli("validate", path, "-f", "json")
    assert result.exit_code == 0, result.stdout

    from cipms_cli.workbook.validate import validate_source

    periods = [p.label for p in validate_source(str(path)).data.results["period"]]
    assert periods == ["2024-Q1", "2024-Q2", "2024-Q3"]


def test_help_does_not_import_pandas():
    code = (
        "import sys\n"
        "from cipms_cli.cli.app import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules, 'openpyxl' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False False"


def test_version(cli):
    from cipms_cli import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cipms {__version__}"


@pytest.mark.parametrize("threaded", [False, True])
def test_excel_errors_formulas_and_merges(cli, examples, monkeypatch, threaded):
    # Large files are scanned in a thread while python-calamine parses, small ones at once;
    # both must find the same cells.
    import cipms_cli.workbook.reader as reader

    monkeypatch.setattr(reader, "_SCAN_IN_THREAD_BYTES", 0 if threaded else 1 << 40)
    result = cli("validate", examples / "broken" / "excel-errors.xlsx", "-f", "json")
    errors = json.loads(result.stdout)["files"][0]["errors"]
    assert {(e["cell"], e["code"]) for e in errors} == {
        ("C110", "excel-error-cell"),
        ("C119", "formula-not-calculated"),
        ("B124", "merged-cell"),
    }


@pytest.mark.parametrize("threaded", [False, True])
def test_a_sheet_the_scan_cannot_read_is_unreadable_either_way(
    cli, tmp_path, monkeypatch, threaded
):
    import cipms_cli.workbook.reader as reader

    monkeypatch.setattr(reader, "_SCAN_IN_THREAD_BYTES", 0 if threaded else 1 << 40)
    sheet = b'<worksheet xmlns="x"><sheetData><row r="1"><c r="A1"><!-- <f>1</f></c></row>'
    path = write(tmp_path, "bad.xlsx", hostile.with_sheet_xml(hostile.xlsx(), sheet))

    result = cli("validate", path)

    assert result.exit_code == 3
    assert "bad.xlsx" in result.stderr


def test_indicator_checks_report_each_field_at_its_cell(cli, tmp_path):
    # A percent indicator: target, baseline and minimum standard must lie in 0-100; weights,
    # tolerances and fixed SPC baselines have their own limits.
    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    ws = wb["Indicators"]
    for column, header in enumerate(
        ["baseline_value", "minimum_standard", "weight", "tolerance", "spc_baseline_points"], 9
    ):
        ws.cell(1, column, header)
    for cell, value in [("E2", "percent"), ("G2", 140), ("I2", 120), ("J2", -5)]:
        ws[cell] = value
    for cell, value in [("K2", -1), ("L2", -2), ("M2", 5)]:
        ws[cell] = value
    path = write(tmp_path, "i.xlsx", hostile.save(wb))

    errors = json.loads(cli("validate", path, "-f", "json").stdout)["files"][0]["errors"]

    assert {(e["cell"], e["code"]) for e in errors if e["sheet"] == "Indicators"} == {
        ("G2", "percent-out-of-range"),
        ("I2", "percent-out-of-range"),
        ("J2", "percent-out-of-range"),
        ("K2", "negative-weight"),
        ("L2", "negative-tolerance"),
        ("M2", "invalid-spc-baseline"),
    }


def test_reading_ahead_parses_only_the_contract_sheets(tmp_path):
    from cipms_cli.workbook.reader import read_ahead

    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    wb.create_sheet("Raw data").append(["a big export nobody asked cipms to read"])
    path = write(tmp_path, "w.xlsx", hostile.save(wb))

    book = read_ahead(str(path)).result()

    assert sorted(book._cache) == ["Indicators", "Outcomes", "Results"]
    assert "Raw data" in book.sheet_names


def test_reading_ahead_an_unreadable_file_reports_it_when_validated(cli, tmp_path):
    path = write(tmp_path, "notes.xlsx", b"just some notes\n")

    result = cli("score", path)

    assert result.exit_code == 3
    assert "not a spreadsheet" in result.stderr


@pytest.mark.parametrize(
    "example", ["literacy-agency.xlsx", "broken/bad-values.xlsx", "broken/bad-learner-records.xlsx"]
)
def test_parsing_the_long_sheets_beside_the_checks_changes_nothing(examples, monkeypatch, example):
    # On a large file the results and learner sheets are parsed in a background thread while
    # the definitions are checked; the report must be the same as parsing in turn.
    import cipms_cli.workbook.reader as reader
    from cipms_cli.workbook.validate import validate_source

    reports = []
    for threshold in (1 << 40, 0):
        monkeypatch.setattr(reader, "_SCAN_IN_THREAD_BYTES", threshold)
        reports.append(validate_source(str(examples / example)))
    in_turn, beside = reports

    assert beside.errors + beside.warnings == in_turn.errors + in_turn.warnings
    assert beside.data.results.equals(in_turn.data.results)
    assert beside.data.indicators.equals(in_turn.data.indicators)


def test_a_repeated_result_is_reported_at_its_period_cell_naming_the_first_row(cli, tmp_path):
    # Rows 2-4 hold I1 for 2024-Q1..Q3; row 5 repeats 2024-Q2 (typed differently), row 6 is
    # an unknown indicator for the same period, which is not a repeat.
    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    wb["Results"].append(["I1", "2024 Q2", 99])
    wb["Results"].append(["I9", "2024-Q2", 99])
    path = write(tmp_path, "dup.xlsx", hostile.save(wb))

    errors = json.loads(cli("validate", path, "-f", "json").stdout)["files"][0]["errors"]

    assert [(e["cell"], e["code"]) for e in errors] == [
        ("B5", "duplicate-result"),
        ("A6", "unknown-indicator"),
    ]
    assert "I1 / 2024-Q2 repeats row 3" in errors[0]["message"]


def _validated(cli, tmp_path, wb):
    path = write(tmp_path, "w.xlsx", hostile.save(wb))
    return json.loads(cli("validate", path, "-f", "json").stdout)["files"][0]


def test_a_zero_denominator_beside_a_typed_value_is_reported_once(cli, tmp_path):
    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    ws = wb["Results"]
    ws["D1"], ws["E1"] = "numerator", "denominator"
    ws.append(["I1", "2024-Q4", 7, 5, 0])

    report = _validated(cli, tmp_path, wb)

    assert [(e["cell"], e["code"]) for e in report["errors"]] == [("E5", "zero-denominator")]


def test_an_indicator_whose_rows_all_fail_is_not_said_to_have_no_rows(cli, tmp_path):
    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    ws = wb["Results"]
    for row in (2, 3, 4):
        ws[f"B{row}"] = "someday"

    report = _validated(cli, tmp_path, wb)

    assert {(e["cell"], e["code"]) for e in report["errors"]} == {
        ("B2", "invalid-period"),
        ("B3", "invalid-period"),
        ("B4", "invalid-period"),
    }
    assert "no-results" not in {w["code"] for w in report["warnings"]}


def test_a_period_typed_as_a_text_date_warns_alike_on_both_sheets(cli, tmp_path):
    # A Results period cell is parsed once for every row holding the same text, and
    # reported at each of them; an Indicators period cell gets the same words.
    data = minimal_workbook(
        cells=[
            ("Indicators", "H2", "31/03/2026"),
            ("Results", "B3", "30/06/2024"),
            ("Results", "B4", "30/06/2024"),
        ]
    )
    path = write(tmp_path, "dates.xlsx", data)

    report = json.loads(cli("validate", path, "-f", "json").stdout)["files"][0]

    safer = "but a real date cell or a period label such as 2024-Q1 is safer"
    warnings = {(w["sheet"], w["cell"]): w["message"] for w in report["warnings"]}
    assert warnings == {
        ("Indicators", "H2"): "'31/03/2026' is a date typed as text; it was read as "
        f"2026-03-31, in 2026-Q1, {safer}",
        (
            "Results",
            "B3",
        ): f"'30/06/2024' is a date typed as text; it was read as 2024-06-30, in 2024-Q2, {safer}",
        (
            "Results",
            "B4",
        ): f"'30/06/2024' is a date typed as text; it was read as 2024-06-30, in 2024-Q2, {safer}",
    }


def test_a_date_cell_no_date_can_hold_is_reported_not_a_crash(cli, tmp_path, examples):
    # python-calamine panics (a BaseException, not an Exception) converting such a cell.
    wb = openpyxl.load_workbook(hostile.io.BytesIO(minimal_workbook()))
    ws = wb.create_sheet("Learners")
    ws.append(["learner_id", "goal_path", "start_date"])
    ws.append(["L1", "Employment", -1e308])
    ws["C2"].number_format = "yyyy-mm-dd"
    path = write(tmp_path, "far-date.xlsx", hostile.save(wb))

    result = cli("validate", path)
    assert result.exit_code == 3
    assert "sheet 'Learners' could not be read" in result.stdout
    assert "type a real date there" in result.stdout

    batch = cli("batch", path, examples / "returns" / "AG01_2023-Q3.xlsx", "-f", "json")
    assert batch.exit_code == 1
    statuses = {
        f["path"].rsplit("/", 1)[-1]: f["status"] for f in json.loads(batch.stdout)["files"]
    }
    assert statuses == {"far-date.xlsx": "unreadable", "AG01_2023-Q3.xlsx": "ok"}
