"""The LSA engine's per-group statistics agree with pandas' groupby, to the last digit."""

import numpy as np
import pandas as pd
import pytest

from cipms_cli.engine.lsa import _codes, _group_means, _group_medians


@pytest.mark.parametrize("seed", range(20))
def test_group_medians_and_means_match_pandas(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 30))
    keys = rng.integers(0, size, int(rng.integers(0, 200)))
    values = rng.normal(250, 60, len(keys)).round(int(rng.integers(0, 4)))
    values[rng.random(len(keys)) < 0.05] = np.nan
    grouped = pd.Series(values).groupby(keys)
    expected_median = grouped.median().reindex(range(size)).to_numpy()
    expected_mean = grouped.mean().reindex(range(size)).to_numpy()
    assert np.array_equal(_group_medians(keys, values, size), expected_median, equal_nan=True)
    assert np.array_equal(_group_means(keys, values, size), expected_mean, equal_nan=True)


def test_codes_are_positions_in_the_categories():
    codes = _codes(pd.Series(["Numeracy", "Reading", "Numeracy"]), ["Reading", "Numeracy"])
    assert codes.tolist() == [1, 0, 1]
    assert codes.dtype == np.int64
