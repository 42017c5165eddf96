"""The header row is the first of the top rows that matches the most of a sheet's columns."""

from hypothesis import given, settings
from hypothesis import strategies as st

from cipms_cli.workbook.sheets import INDICATORS, RESULTS
from cipms_cli.workbook.table import HEADER_SEARCH_ROWS, _header_matches, find_header_row


def best_row_by_brute_force(rows, spec):
    scores = [_header_matches(row, spec.header_lookup) for row in rows[:HEADER_SEARCH_ROWS]]
    best = max(scores, default=0)
    return scores.index(best) if best else None


def cells(spec):
    headers = [*spec.header_lookup, *(f" {h.upper()} " for h in spec.header_lookup)]
    return st.sampled_from([*headers, "", " ", "n/a", "note", "x", 3.0, 0, None, True])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_header_row_is_the_first_best_match(data):
    spec = data.draw(st.sampled_from([RESULTS, INDICATORS]))
    rows = data.draw(st.lists(st.lists(cells(spec), max_size=12), max_size=35))
    assert find_header_row(rows, spec) == best_row_by_brute_force(rows, spec)


def test_a_later_row_with_more_columns_wins_and_ties_go_to_the_earlier():
    title = ["Results for the year", "", ""]
    partial = ["indicator_id", "period", "note"]
    full = ["indicator_id", "period", "value", "numerator"]
    assert find_header_row([title, partial, full], RESULTS) == 2
    assert find_header_row([title, full, full], RESULTS) == 1
    assert find_header_row([title, [1.0, 2.0]], RESULTS) is None
