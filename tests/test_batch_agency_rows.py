"""Each agency's share of the tables, made in the worker: CSV lines and compact observations."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch_returns import DEFINITIONS, write_return
from cipms_cli.batch import outputs
from cipms_cli.batch.agency_rows import Rows
from cipms_cli.batch.combine import Combiner
from cipms_cli.batch.observations import (
    OBSERVATION_COLUMNS,
    AgencyObservations,
    ObservationTable,
    agency_observations,
)
from cipms_cli.batch.parts import PartedTable, encode_part, rows_chunk
from cipms_cli.batch.returns import read_return
from cipms_cli.batch.run import run_batch
from cipms_cli.batch.spool import Spool
from cipms_cli.batch.tables import TABLES, build_tables, columns_of
from cipms_cli.output.formats import csv_lines, to_csv, to_json, write_csv

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "returns"
AWKWARD = '@SUM(1)\nsecond line, with "quotes"'


def test_csv_lines_join_into_what_write_csv_writes():
    rows = [
        {"a": AWKWARD, "b": 1.5, "c": None},
        {"a": "-3", "b": float("nan"), "c": dt.date(2024, 3, 31)},
        {"a": "", "b": 2.0, "c": "plain"},
    ]
    written = io.StringIO()
    write_csv(written, rows, ["a", "b", "c"])
    lines = list(csv_lines([["a", "b", "c"], *([r["a"], r["b"], r["c"]] for r in rows)]))
    assert "".join(lines) == written.getvalue()
    assert len(lines) == 4  # one per row, even where a cell holds a line break
    assert lines[1].startswith("\"'@SUM(1)\n")  # quoted, and kept from becoming a formula


def test_tables_encoded_by_the_workers_equal_the_tables_written_from_records(tmp_path):
    # Two agencies with learner sheets (lsa_* columns) and one without, whose text cells
    # need quoting and formula protection.
    for source in sorted(EXAMPLES.glob("AG0[12]_2024-Q[12].xlsx")):
        shutil.copy(source, tmp_path)
    odd = [*DEFINITIONS["I1"]]
    odd[1] = AWKWARD
    write_return(
        tmp_path / "ZZ09_2024-Q1.xlsx",
        agency_id="ZZ09",
        agency={"agency_name": AWKWARD, "region": "Northern"},
        definitions={"I1": odd},
        results=[("I1", "2024-Q1", 10, None, None), ("I1", "2024-Q2", 12, None, None)],
    )
    paths = sorted(str(p) for p in tmp_path.iterdir())
    for jobs in (1, 2):
        encoded = run_batch(paths, jobs=jobs, encode_csv=True)
        tables = build_tables(run_batch(paths, jobs=jobs))
        for name in TABLES:
            expected = to_csv(tables[name], columns_of(name, tables[name]))
            assert outputs.csv_text(encoded, name) == expected, name
    scores = list(csv.DictReader(io.StringIO(outputs.csv_text(encoded, "scores"))))
    served = {r["agency_id"]: r["lsa_served"] for r in scores}
    assert served["AG01"] and served["AG02"] and served["ZZ09"] == ""
    (odd_row,) = [r for r in scores if r["agency_id"] == "ZZ09"]
    for cell in (odd_row["agency_name"], odd_row["name"]):  # (line breaks read as spaces)
        assert cell.startswith("'@SUM(1)") and cell.endswith(', with "quotes"')


def _agency(tmp_path: Path, agency_id: str, region: str | None, results):
    agency = {"region": region} if region else {}
    path = write_return(
        tmp_path / f"{agency_id}.xlsx", agency_id=agency_id, agency=agency, results=results
    )
    combiner = Combiner()
    combiner.add(read_return(str(path)))
    (combined,), _ = combiner.finish()
    return combined


def test_observations_are_each_agencys_figures_up_to_its_as_of_date(tmp_path):
    first = _agency(
        tmp_path,
        "AG01",
        "North",
        [("I1", "2024-Q1", 10, None, None), ("P1", "2024-Q2", None, 3, 4)],
    )
    second = _agency(
        tmp_path,
        "AG02",
        None,
        [("I1", "2024-Q1", 7, None, None), ("I1", "2024-Q2", 9, None, None)],
    )
    table = ObservationTable(Spool())
    table.add(agency_observations(first, None))
    table.add(agency_observations(second, dt.date(2024, 3, 31)))  # its 2024-Q2 is left out
    q1, q2 = dt.date(2024, 3, 31), dt.date(2024, 6, 30)
    q = ("quarterly", 1)  # frequency, fiscal year start; then ordinal = year * 4 + quarter - 1
    i1 = ("I1", "Learners served")
    p1 = ("P1", "Learners satisfied")
    count, pct, none = ("increase", "count"), ("increase", "percent"), (None, None)
    rows = [
        ("AG01", "North", None, *i1, *q, 8096, "2024-Q1", q1, 10.0, *none, *count),
        ("AG01", "North", None, *p1, *q, 8097, "2024-Q2", q2, 75.0, 3.0, 4.0, *pct),
        ("AG02", None, None, *i1, *q, 8096, "2024-Q1", q1, 7.0, *none, *count),
    ]
    # As pandas makes it from rows: text columns with gaps, an all-empty one, dates.
    expected = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    expected = expected.astype({"value": float, "numerator": float, "denominator": float})
    (part,) = table.frames(max_rows=100)
    frame = part.frame()
    pd.testing.assert_frame_equal(frame, expected)


def test_no_observations_make_an_empty_frame_with_number_columns():
    table = ObservationTable(Spool())
    empty = np.zeros(0, dtype=np.int32)
    no_figures = np.zeros((0, 3))
    table.add(AgencyObservations(("AG01", None, None, None), [], [], empty, empty, no_figures))
    (part,) = table.frames(max_rows=100)
    frame = part.frame()
    assert list(frame.columns) == OBSERVATION_COLUMNS and frame.empty
    assert frame["value"].dtype == float and frame["denominator"].dtype == float


def test_spilled_lines_come_back_as_they_were():
    spool = Spool()
    lines = ["a,b\n", '"é, ü",2\n', '"two\nlines",3\n', "x,\n"]
    rows = Rows(lines=list(lines))
    other = Rows(lines=["first spilled\n"])
    other.spill(spool)
    rows.spill(spool, keep_lines=True)
    assert rows.lines is None and rows.encoded and len(rows) == 4
    assert rows.csv_lines(spool) == lines
    assert rows.csv_text(spool) == "".join(lines)
    assert other.csv_text(spool) == "first spilled\n" and len(other) == 1
    with pytest.raises(AssertionError):
        other.csv_lines(spool)  # spilled without where each line ends
    records = Rows([{"a": 1, "b": None}, {"a": 2, "b": "x"}])
    records.spill(spool)  # records wait in the spool too, pickled
    assert records.records == [] and len(records) == 2 and not records.encoded
    assert records.records_from(spool) == [{"a": 1, "b": None}, {"a": 2, "b": "x"}]
    assert Rows([{"a": 3}]).records_from(spool) == [{"a": 3}]  # not spilled
    with pytest.raises(AssertionError):
        rows.records_from(spool)  # lines, not records


def test_parted_table_gives_each_agencys_chunks_in_agency_then_part_order():
    spool = Spool()
    table = PartedTable(spool, encoded_csv=True)
    # Two parts (as two benchmark frames), each by agency place; agency 1 is not in part 2.
    table.add(encode_part([(0, b"a0 i1\n"), (1, b"a1 i1\n"), (2, b"a2 i1\n")]))
    spool.put(b"something else in between")
    table.add(encode_part([(0, b"a0 i2\n"), (2, b"a2 i2\n")]))
    table.add(encode_part([]))  # a part with no agency's rows
    assert "".join(table.csv_text()) == "a0 i1\na0 i2\na1 i1\na2 i1\na2 i2\n"
    pickled = PartedTable(spool, encoded_csv=False)
    pickled.add(encode_part([(0, rows_chunk([{"x": 1}], ["x"], False))]))
    pickled.add(encode_part([(0, rows_chunk([{"x": 2}, {"x": 3}], ["x"], False))]))
    assert list(pickled.records()) == [{"x": 1}, {"x": 2}, {"x": 3}]
    assert rows_chunk([{"x": "=1+1", "y": None}], ["x", "y"], True) == b"'=1+1,\n"


def test_returns_waiting_in_the_spool_are_the_returns_added(tmp_path):
    paths = [
        write_return(
            tmp_path / f"AG01_2024-Q{q}.xlsx", results=[("I1", f"2024-Q{q}", q, None, None)]
        )
        for q in (1, 2)
    ]
    returns = [read_return(str(p)) for p in paths]
    in_memory, spooled = Combiner(), Combiner(Spool())
    for ret in returns:
        in_memory.add(ret)
        spooled.add(ret)
    assert spooled.hand_over() == in_memory.hand_over() == (["AG01"], [])
    assert spooled.returns_of("AG01") == in_memory.returns_of("AG01")
    assert [r.tidy for r in spooled.returns_of("AG01").returns] == [
        r.packed().tidy for r in returns
    ]
    spooled.release("AG01")
    assert spooled.hand_over() == ([], [])


@pytest.mark.parametrize("jobs", [1, 2])
def test_benchmarking_a_few_indicators_at_a_time_changes_nothing(monkeypatch, jobs):
    import cipms_cli.batch.run as run_module

    paths = sorted(str(p) for p in EXAMPLES.glob("*.xlsx"))
    whole = build_tables(run_batch(paths, jobs=1))
    monkeypatch.setattr(run_module, "BENCHMARK_ROWS", 150)  # one or two indicators each
    parts = build_tables(run_batch(paths, jobs=jobs))
    for name in ("benchmarks", "agency_benchmarks", "rollups", "agencies", "problems"):
        assert to_json(parts[name]) == to_json(whole[name]), name
    assert len({r["indicator_id"] for r in whole["benchmarks"]}) > 4  # so several frames
