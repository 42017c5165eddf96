"""Stacking an agency's learner sheets across returns: column by column, with exactly the
result of ``pd.concat`` and ``drop_duplicates(keep="last")`` (the rule in combine.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import random
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cipms_cli.batch.combine import _row_keys, _stacked, _stacked_frames
from cipms_cli.batch.returns import FrameColumns, _extra_frames
from cipms_cli.workbook.records import frame_of

NaT = np.datetime64("NaT", "ns")


def through_pandas(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rule as pandas states it: the reference the column-wise stacking must match."""
    stacked = pd.concat(frames, ignore_index=True)
    if stacked.empty:
        return stacked
    first = str(stacked.columns[0])
    if all(frame[first].is_unique for frame in frames):
        subset = [first]
    else:
        subset = [c for c in stacked.columns if c not in ("row", "_index")]
    try:
        return stacked.drop_duplicates(subset=subset, keep="last").reset_index(drop=True)
    except TypeError:
        return stacked


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got, expected, check_exact=True, check_index_type=True, check_column_type=True
    )
    assert got.columns.dtype == expected.columns.dtype
    for name in expected.columns:  # None, NaN, -0.0 and the type of each cell
        assert cells(got[name]) == cells(expected[name]), name


def cells(column: pd.Series) -> list[tuple[str, str]]:
    return [(type(v).__name__, repr(v)) for v in column.array.tolist()]


def sheet(**columns: Any) -> pd.DataFrame:
    """A frame as the validators build it: object arrays stay object."""
    arrays = {name: _array(values) for name, values in columns.items()}
    rows = len(next(iter(arrays.values())))
    return frame_of(arrays, pd.RangeIndex(rows))


def _array(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def days(*texts: str | None) -> np.ndarray:
    return np.array([t or "NaT" for t in texts], dtype="datetime64[ns]")


def check(frames: list[pd.DataFrame]) -> pd.DataFrame:
    got = _stacked_frames(frames)
    assert_same(got, through_pandas(frames))
    return got


def test_the_later_learner_record_replaces_the_earlier():
    q1 = sheet(
        learner_id=["L1", "L2"],
        exit_date=days(None, None),
        row=np.array([2, 3]),
    )
    q2 = sheet(
        learner_id=["L2", "L3"],
        exit_date=days("2024-05-01", None),
        row=np.array([2, 3]),
    )
    got = check([q1, q2])
    assert got["learner_id"].tolist() == ["L1", "L2", "L3"]
    assert got["exit_date"].isna().tolist() == [True, False, True]


def test_only_identical_records_are_dropped_when_the_first_column_repeats():
    def assessments(scores: list[float], rows: list[int]) -> pd.DataFrame:
        return sheet(
            learner_id=["L1"] * len(scores),
            date=days(*["2024-01-05"] * len(scores)),
            score=np.array(scores),
            row=np.array(rows),
        )

    got = check(
        [assessments([200.0, np.nan], [2, 3]), assessments([np.nan, 200.0, 230.0], [2, 3, 4])]
    )
    assert got["row"].tolist() == [2, 3, 4]  # NaN matches NaN; the row is not compared


def test_missing_cells_match_as_pandas_matches_them():
    # Compared on several columns, None and NaN are both missing and alike ...
    check(
        [
            sheet(learner_id=["L1", "L1"], note=[None, "x"], row=np.array([2, 3])),
            sheet(learner_id=["L1", "L1"], note=[float("nan"), "x"], row=np.array([2, 3])),
        ]
    )
    # ... alone, None and NaN are two values, while every NaN is one
    check(
        [
            sheet(code=[None, "a"], row=np.array([2, 3])),
            sheet(code=[float("nan"), float("nan"), None], row=np.array([2, 3, 4])),
        ]
    )
    check([sheet(code=[None, float("nan")], n=np.array([0.0, -0.0]), row=np.array([2, 3]))])


def test_unhashable_cells_keep_every_record():
    got = check(
        [
            sheet(learner_id=["L1", "L1"], tags=[["a"], ["a"]], row=np.array([2, 3])),
            sheet(learner_id=["L1"], tags=[["a"]], row=np.array([2])),
        ]
    )
    assert len(got) == 3


def test_columns_of_different_types_are_joined_as_pandas_joins_them():
    text = pd.DataFrame({"action_id": ["A1", "A2"], "status": ["open", None]})
    blank = pd.DataFrame({"action_id": ["A2"], "status": [None]})
    assert text["status"].dtype != blank["status"].dtype
    check([text, blank])
    check([text, pd.DataFrame({"action_id": ["A3"], "owner": ["Kim"]})])


def test_empty_sheets_stay_typed():
    empty = sheet(learner_id=[], start_date=days(), level=np.array([], dtype=float))
    got = check([empty, empty])
    assert got.dtypes.tolist() == empty.dtypes.tolist()
    check([empty, sheet(learner_id=["L1"], start_date=days("2024-01-02"), level=np.array([1.0]))])


def test_random_sheets_stack_as_pandas_stacks_them():
    pools: dict[str, list[Any]] = {
        "learner_id": ["L1", "L2", "L3", None, float("nan")],
        "domain": ["Reading", "Numeracy", None],
        "score": [200.0, 210.0, np.nan, 0.0, -0.0],
        "date": ["2024-01-02", "2024-02-03", None],
        "task": [True, False],
    }
    rng = random.Random(20240601)
    for _ in range(300):
        names = rng.sample(sorted(pools), rng.randint(1, len(pools)))
        frames = []
        for _ in range(rng.randint(1, 4)):
            n = rng.randint(0, 5)
            columns: dict[str, Any] = {
                name: [rng.choice(pools[name]) for _ in range(n)] for name in names
            }
            if "date" in columns:
                columns["date"] = days(*columns["date"])
            for name in ("score", "task"):
                if name in columns:
                    columns[name] = np.array(
                        columns[name], dtype=float if name == "score" else bool
                    )
            columns["row"] = np.arange(2, n + 2)
            frames.append(sheet(**columns))
        check(frames)


def test_rows_of_many_columns_of_many_values_are_told_apart():
    # up to 300 values in each of twelve columns: more combinations than an int64 holds
    rng = np.random.default_rng(5)
    values = rng.integers(0, 300, (12, 600)).astype(float)
    values[:, 300:] = values[:, :300]  # the second half repeats the first
    keys = _row_keys(list(values))
    assert keys.min() >= 0 and keys.max() < 2**62  # no key overflowed
    assert (keys[:300] == keys[300:]).all() and len(set(keys[:300].tolist())) == 300
    got = check([sheet(**{f"c{i}": v for i, v in enumerate(values)}, row=np.arange(600))])
    assert len(got) == 300


@dataclasses.dataclass
class Sheets:
    learners: pd.DataFrame
    scales: pd.DataFrame
    memo: dict[Any, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Data:
    path: str
    learners: Sheets | None
    actions: pd.DataFrame | None


def test_a_return_carries_its_sheets_as_columns_and_they_stack_the_same():
    def quarter(exit_date: str | None, band: float) -> Data:
        learners = sheet(
            learner_id=["L1", "L2"], exit_date=days(None, exit_date), row=np.array([2, 3])
        )
        scales = sheet(
            domain=["Reading", "Reading"], min_score=np.array([0.0, band]), row=np.array([2, 3])
        )
        actions = pd.DataFrame({"action_id": ["A1"], "due": [dt.date(2024, 6, 30)], "row": [2]})
        return Data("x.xlsx", Sheets(learners, scales, memo={"cached": True}), actions)

    returns = [quarter(None, 100.0), quarter("2024-05-01", 150.0)]
    carried = [_extra_frames(data) for data in returns]
    assert sorted(carried[0]) == ["actions", "learners"]
    unpacked = [{name: pickle.loads(b) for name, b in extras.items()} for extras in carried]
    assert isinstance(unpacked[0]["learners"].learners, FrameColumns)
    assert isinstance(unpacked[0]["actions"], FrameColumns)

    q1, q2 = (dt.date(2024, 3, 31), "q1.xlsx"), (dt.date(2024, 6, 30), "q2.xlsx")
    later_first = [(q2, unpacked[1]), (q1, unpacked[0])]  # stacked oldest first all the same
    learners = _stacked([(order, extras["learners"]) for order, extras in later_first])
    assert isinstance(learners, Sheets) and learners.memo == {}
    for name in ("learners", "scales"):
        expected = through_pandas([getattr(d.learners, name) for d in returns])
        assert_same(getattr(learners, name), expected)
    actions = _stacked([(order, extras["actions"]) for order, extras in later_first])
    assert_same(actions, through_pandas([d.actions for d in returns]))


@pytest.mark.parametrize("rows", [0, 3])
def test_frame_columns_keep_each_column_as_the_frame_holds_it(rows: int):
    frame = sheet(
        learner_id=["L1", "L2", "L3"][:rows],
        start_date=days(*["2024-01-02"] * rows),
        level=np.arange(rows, dtype=float),
    )
    columns = FrameColumns.of(frame)
    assert columns.names == ("learner_id", "start_date", "level")
    assert columns.rows == rows
    assert [a.dtype for a in columns.arrays] == frame.dtypes.tolist()
