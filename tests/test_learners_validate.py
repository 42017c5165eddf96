"""Validation of the learner sheets: every problem located to its cell."""

import datetime as dt

import pytest

import learner_cohort as cohort
from cipms_cli.workbook.validate import validate_source

D = dt.date


def validate(tmp_path, learner_sheets=None, indicators=None, name="book.xlsx"):
    path = tmp_path / name
    sheets = cohort.sheets() if learner_sheets is None else learner_sheets
    path.write_bytes(cohort.workbook_bytes(sheets, indicators))
    return validate_source(str(path))


def located(report):
    return {(p.code, p.sheet, p.cell) for p in report.problems}


def with_row(rows, index, column, value, header):
    changed = [list(r) for r in rows]
    changed[index][header.index(column)] = value
    return changed


def test_the_cohort_is_a_valid_learner_only_workbook(tmp_path):
    report = validate(tmp_path)
    assert report.problems == []
    assert report.valid
    data = report.data
    assert data.learners is not None
    assert len(data.learners.learners) == 6
    assert len(data.learners.assessments) == 15
    assert data.indicators.empty


# (sheet, row index in the cohort, column, new value) -> (code, cell)
CELL_PROBLEMS = [
    (("Assessments", 4, "learner_id", "Z9"), ("unknown-learner", "A6")),
    (("Milestones", 0, "learner_id", "Q7"), ("unknown-learner", "A2")),
    (("Assessments", 7, "date", D(2023, 10, 1)), ("assessment-before-start", "B9")),
    (("Assessments", 14, "date", D(2024, 3, 10)), ("assessment-after-exit", "B16")),
    (("Milestones", 2, "completed_date", D(2024, 6, 1)), ("milestone-after-exit", "E4")),
    (("Assessments", 1, "score", 600), ("score-out-of-scale", "D3")),
    (("Assessments", 1, "level", 3), ("level-mismatch", "E3")),
    (("Learners", 2, "goal_path", "Retirement"), ("invalid-goal-path", "B4")),
    (("Milestones", 3, "competency", "G Work with Others"), ("invalid-competency", "C5")),
    (("Milestones", 3, "level", 4), ("invalid-level", "D5")),
    (("Learners", 1, "exit_date", D(2024, 1, 1)), ("exit-before-start", "D3")),
    (("Assessments", 5, "domain", "Writing"), ("invalid-domain", "C7")),
    (("Learners", 3, "start_date", "05/04/2024"), ("ambiguous-date", "C5")),
    (("Assessments", 0, "date", "next week"), ("not-a-date", "B2")),
    (("Assessments", 0, "date", 45300), ("not-a-date", "B2")),
    (("Learners", 0, "goal_path", None), ("missing-value", "B2")),
]
HEADERS = {
    "Learners": cohort.LEARNER_HEADER,
    "Assessments": cohort.ASSESSMENT_HEADER,
    "Milestones": cohort.MILESTONE_HEADER,
    "Scales": cohort.SCALE_HEADER,
}


@pytest.mark.parametrize(("change", "expected"), CELL_PROBLEMS)
def test_each_problem_is_an_error_at_its_cell(tmp_path, change, expected):
    sheet, index, column, value = change
    rows = with_row(cohort.sheets()[sheet][1], index, column, value, HEADERS[sheet])
    report = validate(tmp_path, cohort.sheets(**{sheet: rows}))
    code, cell = expected
    assert (code, sheet, cell) in located(report), report.problems
    assert not report.valid


def test_unknown_learner_names_the_id_and_the_row(tmp_path):
    rows = with_row(cohort.ASSESSMENTS, 4, "learner_id", "Z9", cohort.ASSESSMENT_HEADER)
    report = validate(tmp_path, cohort.sheets(Assessments=rows))
    [problem] = [p for p in report.errors if p.code == "unknown-learner"]
    assert "'Z9'" in problem.message and "row 6" in problem.message
    assert problem.value == "Z9"


def test_a_repeated_learner_is_an_error_on_the_second_row(tmp_path):
    rows = [*cohort.LEARNERS, ["A2", "Employment", D(2024, 2, 1), None, None]]
    report = validate(tmp_path, cohort.sheets(Learners=rows))
    [problem] = [p for p in report.errors if p.code == "duplicate-learner"]
    assert (problem.sheet, problem.cell) == ("Learners", "A8")
    assert "repeats row 3" in problem.message


def test_a_level_is_checked_against_the_scales_band_only_when_given(tmp_path):
    # 240 is in the 226-275 band (level 2); a blank level takes the band's level.
    rows = with_row(cohort.ASSESSMENTS, 1, "level", None, cohort.ASSESSMENT_HEADER)
    assert validate(tmp_path, cohort.sheets(Assessments=rows)).valid


def test_overlapping_scale_bands_are_an_error(tmp_path):
    scales = [list(r) for r in cohort.SCALES]
    scales[1][2] = 220  # Reading level 2 starts at 220, inside level 1 (0-225)
    report = validate(tmp_path, cohort.sheets(Scales=scales))
    assert ("overlapping-bands", "Scales", "C3") in located(report)


def test_a_domain_missing_from_scales_is_an_error(tmp_path):
    scales = [r for r in cohort.SCALES if r[0] == "Reading"]
    report = validate(tmp_path, cohort.sheets(Scales=scales))
    assert ("domain-without-scale", "Assessments", "C5") in located(report)  # A1's Numeracy


def test_dates_typed_as_text_are_read_with_a_warning(tmp_path):
    rows = with_row(cohort.ASSESSMENTS, 1, "date", "15/03/2024", cohort.ASSESSMENT_HEADER)
    people = with_row(cohort.LEARNERS, 0, "start_date", "2024-01-10", cohort.LEARNER_HEADER)
    report = validate(tmp_path, cohort.sheets(Assessments=rows, Learners=people))
    assert report.valid
    assert located(report) == {
        ("date-as-text", "Assessments", "B3"),
        ("date-as-text", "Learners", "C2"),
    }
    dates = report.data.learners.assessments["date"]
    assert dates.iloc[1].date() == D(2024, 3, 15)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("SSC", "Secondary School Credit"),
        ("secondary school credit", "Secondary School Credit"),
        ("post-secondary", "Postsecondary"),
        ("Post Secondary", "Postsecondary"),
        ("  EMPLOYMENT ", "Employment"),
        ("apprenticeship", "Apprenticeship"),
    ],
)
def test_goal_path_variants_are_accepted(tmp_path, written, read):
    people = with_row(cohort.LEARNERS, 0, "goal_path", written, cohort.LEARNER_HEADER)
    report = validate(tmp_path, cohort.sheets(Learners=people))
    assert report.valid, report.problems
    assert report.data.learners.learners["goal_path"].iloc[0] == read


@pytest.mark.parametrize(
    "written",
    [
        "A",
        "a",
        "A Find and Use Information",
        "Find and Use Information",
        "a. find and use information",
    ],
)
def test_competency_variants_are_accepted(tmp_path, written):
    rows = with_row(cohort.MILESTONES, 0, "competency", written, cohort.MILESTONE_HEADER)
    report = validate(tmp_path, cohort.sheets(Milestones=rows))
    assert report.valid, report.problems
    assert report.data.learners.milestones["competency"].iloc[0] == "A Find and Use Information"


def test_assessments_without_learners_is_a_missing_sheet(tmp_path):
    sheets = cohort.sheets()
    del sheets["Learners"]
    report = validate(tmp_path, sheets)
    assert any(p.code == "missing-sheet" and "Learners" in p.message for p in report.errors)


def test_a_name_column_is_ignored_with_a_warning_and_never_read(tmp_path):
    header = [*cohort.LEARNER_HEADER, "name"]
    rows = [[*r, f"Person Number{i}"] for i, r in enumerate(cohort.LEARNERS)]
    sheets = cohort.sheets()
    sheets["Learners"] = (header, rows)
    report = validate(tmp_path, sheets)
    assert report.valid
    assert located(report) == {("unknown-column", "Learners", "F1")}
    assert "name" not in report.data.learners.learners.columns


def test_a_name_typed_as_a_learner_id_is_warned_about(tmp_path):
    people = with_row(cohort.LEARNERS, 3, "learner_id", "Mary Smith", cohort.LEARNER_HEADER)
    tests = [r if r[0] != "A4" else ["Mary Smith", *r[1:]] for r in cohort.ASSESSMENTS]
    report = validate(tmp_path, cohort.sheets(Learners=people, Assessments=tests))
    assert ("learner-id-looks-like-name", "Learners", "A5") in located(report)
    assert report.valid  # a warning


INDICATOR = ["LP", "Learner progress", "O1", "increase", "percent", "quarterly"]


@pytest.mark.parametrize(
    ("source", "unit", "code", "cell"),
    [
        ("lsa.learner_progres", "percent", "unknown-source", "G2"),
        ("lsa.learner_progress", "count", "source-unit-mismatch", "E2"),
        ("lsa.learners_served", "percent", "source-unit-mismatch", "E2"),
    ],
)
def test_indicator_sources_are_checked(tmp_path, source, unit, code, cell):
    row = [*INDICATOR[:4], unit, INDICATOR[5], source]
    report = validate(tmp_path, indicators=[row])
    assert (code, "Indicators", cell) in located(report)


def test_unknown_source_lists_the_allowed_names(tmp_path):
    report = validate(tmp_path, indicators=[[*INDICATOR, "learner_progress"]])
    [problem] = [p for p in report.errors if p.code == "unknown-source"]
    assert "lsa.learner_progress" in problem.message and "lsa.pct_with_gain" in problem.message


def test_a_source_needs_the_learner_sheets(tmp_path):
    report = validate(tmp_path, {}, indicators=[[*INDICATOR, "lsa.learner_progress"]])
    assert ("missing-learner-sheets", "Indicators", "G2") in located(report)


def test_a_source_is_read_in_any_case_and_spacing(tmp_path):
    report = validate(tmp_path, indicators=[[*INDICATOR, " LSA.Learner_Progress "]])
    assert report.valid, report.problems
    assert report.data.indicators["source"].iloc[0] == "lsa.learner_progress"


def test_validated_frames_keep_the_excel_row_and_position_of_each_kept_record(tmp_path):
    rows = with_row(cohort.ASSESSMENTS, 4, "learner_id", "Z9", cohort.ASSESSMENT_HEADER)
    data = validate(tmp_path, cohort.sheets(Assessments=rows)).data.learners
    assessments = data.assessments
    assert 4 not in assessments["position"].tolist()  # the unknown learner's record is dropped
    assert assessments.index.tolist() == assessments["position"].tolist()
    assert (assessments["row"] == assessments["position"] + 2).all()
    assert assessments["learner_id"].dtype == object
    assert str(assessments["date"].dtype) == "datetime64[ns]"
    assert assessments["score"].dtype == float


def test_dates_outside_the_nanosecond_range_convert_as_pandas_converts_them():
    import numpy as np
    import pandas as pd

    from cipms_cli.workbook.learner_validate import _datetimes

    ordinary = [D(2024, 1, 2), None, D(1999, 12, 31)]
    expected = pd.to_datetime(pd.Series(ordinary, dtype=object)).to_numpy(dtype="datetime64[ns]")
    assert np.array_equal(_datetimes(ordinary), expected, equal_nan=True)
    extreme = [D(3000, 1, 1), D(2024, 1, 2)]
    converted = pd.to_datetime(pd.Series(extreme, dtype=object)).to_numpy(dtype="datetime64[ns]")
    assert np.array_equal(_datetimes(extreme), converted)


def test_scale_levels_places_each_score_in_its_domains_band():
    import pandas as pd

    from cipms_cli.workbook.learner_validate import scale_levels

    scales = pd.DataFrame(
        {
            "domain": ["Reading", "Reading", "Numeracy"],
            "level": [2.0, 1.0, 1.0],
            "min_score": [226.0, 0.0, 0.0],
            "max_score": [275.0, 225.0, 300.0],
        }
    )
    domains = pd.Series(["Reading", "Reading", "Reading", "Numeracy", "Document Use"])
    scores = pd.Series([10.0, 250.0, 276.0, 300.0, 100.0], index=[5, 6, 7, 8, 9])
    levels = scale_levels(domains, scores, scales)
    assert levels.index.tolist() == [5, 6, 7, 8, 9]
    assert levels.tolist()[:2] == [1.0, 2.0]
    assert levels.isna().tolist() == [False, False, True, False, True]
