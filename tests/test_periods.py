import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cipms_cli.periods import (
    Frequency,
    Period,
    PeriodError,
    containing,
    distinct_periods,
    parse_as_of,
    parse_frequency,
    parse_period,
)

Q, M, A = Frequency.QUARTERLY, Frequency.MONTHLY, Frequency.ANNUAL


@pytest.mark.parametrize(
    ("raw", "freq", "label"),
    [
        ("2024-Q1", Q, "2024-Q1"),
        ("2024 Q1", Q, "2024-Q1"),
        ("Q1 2024", Q, "2024-Q1"),
        ("q3-2024", Q, "2024-Q3"),
        ("2024-03", M, "2024-03"),
        ("2024/3", M, "2024-03"),
        ("Mar 2024", M, "2024-03"),
        ("March 2024", M, "2024-03"),
        ("Sept 2024", M, "2024-09"),
        ("Mar-24", M, "2024-03"),
        ("2024", A, "2024"),
        (2024, A, "2024"),
        (2024.0, A, "2024"),
        ("FY2024-25", A, "FY2024-25"),
        ("FY 2024/2025", A, "FY2024-25"),
        ("2024/2025", A, "FY2024-25"),
        (dt.date(2024, 3, 31), Q, "2024-Q1"),
        (dt.datetime(2024, 4, 1, 0, 0), Q, "2024-Q2"),
        (dt.date(2024, 3, 31), M, "2024-03"),
        (dt.date(2024, 3, 31), A, "2024"),
        ("2024-03-31", Q, "2024-Q1"),
        ("31/03/2024", M, "2024-03"),
        ("12/25/2024", M, "2024-12"),
    ],
)
def test_accepted_forms(raw, freq, label):
    assert parse_period(raw, freq).label == label


def test_fiscal_quarters_follow_the_fiscal_start():
    # FY2024-25 starts in April 2024, so its first quarter is calendar 2024-Q2.
    assert parse_period("FY2024-25 Q1", Q, 4).label == "2024-Q2"
    assert parse_period("Q4 FY2024-25", Q, 4).label == "2025-Q1"
    assert parse_period("FY2024-25 Q1", Q, 1).label == "2024-Q1"
    with pytest.raises(PeriodError):
        parse_period("FY2024-25 Q1", Q, 2)


def test_fiscal_year_spans_april_to_march():
    fy = parse_period("FY2024-25", A, 4)
    assert (fy.start, fy.end) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    assert containing(dt.date(2025, 3, 31), A, 4) == fy
    assert containing(dt.date(2025, 4, 1), A, 4) == fy.shift(1)


@pytest.mark.parametrize(
    ("raw", "freq", "code"),
    [
        ("2024-13", M, "invalid-period"),
        ("hello", Q, "invalid-period"),
        ("2024-03", Q, "period-frequency-mismatch"),
        ("2024-Q1", M, "period-frequency-mismatch"),
        ("2024", Q, "period-frequency-mismatch"),
        ("03/04/2024", M, "ambiguous-date"),
        ("FY2024-26", A, "invalid-period"),
        ("2024-02-30", M, "invalid-period"),
        (True, A, "invalid-period"),
        (12.5, A, "invalid-period"),
    ],
)
def test_rejected_forms_carry_a_code(raw, freq, code):
    with pytest.raises(PeriodError) as info:
        parse_period(raw, freq)
    assert info.value.code == code


def test_period_arithmetic_and_bounds():
    q = parse_period("2024-Q4", Q)
    assert q.shift(1).label == "2025-Q1"
    assert q - parse_period("2023-Q4", Q) == 4
    assert (q.start, q.end) == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    feb = parse_period("2024-02", M)
    assert feb.end == dt.date(2024, 2, 29)


def test_as_of_is_the_last_day_of_the_named_period():
    assert parse_as_of("2024-Q2") == dt.date(2024, 6, 30)
    assert parse_as_of("FY2024-25", 4) == dt.date(2025, 3, 31)
    assert parse_as_of("2024-05-17") == dt.date(2024, 5, 17)


def test_frequency_aliases():
    assert parse_frequency(" Quarterly ") is Q
    assert parse_frequency("Yearly") is A
    with pytest.raises(PeriodError):
        parse_frequency("fortnightly")


@given(st.integers(1900, 2100), st.integers(1, 4))
def test_quarter_label_round_trips(year, quarter):
    period = parse_period(f"{year}-Q{quarter}", Q)
    assert parse_period(period.label, Q) == period
    assert containing(period.start, Q) == period == containing(period.end, Q)


@given(st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)), st.sampled_from([M, Q, A]))
def test_every_date_falls_inside_its_period(day, freq):
    period: Period = containing(day, freq)
    assert period.start <= day <= period.end


def test_distinct_periods_finds_shared_objects_and_keeps_row_order():
    q1, q2 = Period(Q, 8096), Period(Q, 8097)
    codes, distinct = distinct_periods([q2, q1, q2, q2, q1])
    assert [p.label for p in distinct] == ["2024-Q2", "2024-Q1"]  # in order of first sight
    assert [distinct[c] for c in codes] == [q2, q1, q2, q2, q1]
    assert len(distinct) == 2


def test_distinct_periods_is_right_when_rows_do_not_share_objects():
    rows = [Period(Q, 8096), Period(Q, 8096), Period(M, 24290)]
    codes, distinct = distinct_periods(rows)
    assert [distinct[c] for c in codes] == rows
    assert all(distinct[c] is row for c, row in zip(codes, rows, strict=True))
