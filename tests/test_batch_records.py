"""Records.of keeps exactly what DataFrame.to_dict("records") gives, column type by column type."""

import math

import numpy as np
import pandas as pd

from cipms_cli.batch.returns import Records


def same(a, b):
    both_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return type(a) is type(b) and (both_nan or a is b or a == b or (a is pd.NaT and b is pd.NaT))


def test_records_match_to_dict_for_every_kind_of_column():
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None], dtype=object),
            "mixed": pd.Series([np.float64(1.5), np.int64(3)], dtype=object),
            "number": [1.5, np.nan],
            "whole": np.array([1, 2], dtype="int64"),
            "flag": [True, False],
            "when": pd.to_datetime(["2024-01-01", None]),
            "nullable": pd.Series([1, None], dtype="Int64"),
            "string": pd.Series(["x", None], dtype="string"),
            "category": pd.Categorical(["x", "y"]),
        }
    )
    records = Records.of(frame)
    expected = frame.to_dict("records")
    assert records.dtypes == dict(frame.dtypes.items())
    assert [list(r) for r in records.rows] == [list(r) for r in expected]
    for got, want in zip(records.rows, expected, strict=True):
        for name in want:
            assert same(got[name], want[name]), (name, got[name], want[name])


def test_records_of_an_empty_frame():
    frame = pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)})
    assert Records.of(frame).rows == []
