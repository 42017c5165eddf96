"""Forecast lines and the composite score, against figures worked out by hand."""

import math

import pandas as pd
import pytest

from cipms_cli.engine.composite import attainment, composite, key_failures, points, stars_for
from cipms_cli.engine.forecast import fit_lines, forecast_at, recent_points
from cipms_cli.settings import ScoreOptions


def series(values, ind="A", start=8096):
    return pd.DataFrame(
        {"indicator_id": ind, "ordinal": range(start, start + len(values)), "value": values}
    )


def test_least_squares_line_through_a_straight_series():
    pts = series([10.0, 12.0, 14.0, 16.0])
    fitted = fit_lines(pts)
    assert fitted.loc["A", "slope"] == pytest.approx(2.0)
    # four periods after the last point (ordinal 8099 -> 8103): 16 + 4 * 2
    assert forecast_at(fitted, pd.Series({"A": 8103}))["A"] == pytest.approx(24.0)


def test_least_squares_with_noise_matches_the_textbook_formula():
    # x = 0..4, y = 1, 3, 2, 5, 4: slope = 0.8, intercept = 1.4
    fitted = fit_lines(series([1.0, 3.0, 2.0, 5.0, 4.0], start=0))
    assert fitted.loc["A", "slope"] == pytest.approx(0.8)
    assert forecast_at(fitted, pd.Series({"A": 10}))["A"] == pytest.approx(1.4 + 8.0)


def test_window_and_segment_limit_the_points_used():
    pts = series([50.0, 50.0, 50.0, 1.0, 2.0, 3.0], start=0)
    recent = recent_points(pts, pd.Series({"A": 3.0}), window=8)
    assert list(recent["value"]) == [1.0, 2.0, 3.0]
    assert fit_lines(recent).loc["A", "slope"] == pytest.approx(1.0)
    assert len(recent_points(pts, pd.Series(dtype=float), window=4)) == 4


def test_fewer_than_three_points_give_no_forecast():
    fitted = fit_lines(series([1.0, 2.0]))
    assert math.isnan(fitted.loc["A", "slope"])


def indicators():
    return pd.DataFrame(
        {
            "direction": ["increase", "decrease", "increase", "neutral"],
            "latest_value": [80.0, 25.0, 150.0, 3.0],
            "target_value": [100.0, 20.0, 100.0, 5.0],
            "weight": [1.0, 3.0, math.nan, 1.0],
            "key": [True, None, False, None],
            "minimum_standard": [85.0, math.nan, math.nan, math.nan],
        },
        index=["A", "B", "C", "N"],
    )


def test_attainment_by_direction():
    att = attainment(indicators())
    assert att["A"] == pytest.approx(0.8)
    assert att["B"] == pytest.approx(0.8)
    assert att["C"] == pytest.approx(1.5)
    assert math.isnan(att["N"])


def test_points_share_ten_and_are_capped():
    frame = indicators()
    earned = points(frame, ScoreOptions())
    # weights 1, 3, 1 (default) share 10 points: 2, 6, 2
    assert list(earned["points_available"]) == pytest.approx([2.0, 6.0, 2.0, 0.0])
    # 0.8 * 2 + 0.8 * 6 + min(1.5, 1) * 2 = 8.4
    assert earned["points"].sum() == pytest.approx(8.4)
    result = composite(frame, earned, ScoreOptions())
    assert result.score == pytest.approx(8.4)
    assert result.stars_before_cap == 2
    assert result.key_failures == ["A"]
    assert result.stars == 1


def test_stars_thresholds_are_configurable():
    assert stars_for(8.5, (5.0, 7.0, 8.5)) == 3
    assert stars_for(4.99, (5.0, 7.0, 8.5)) == 0
    assert stars_for(6.0, (2.0, 4.0, 6.0)) == 3


def test_key_failure_respects_direction():
    frame = pd.DataFrame(
        {
            "direction": ["decrease", "decrease"],
            "latest_value": [12.0, 8.0],
            "minimum_standard": [10.0, 10.0],
            "key": [True, True],
        },
        index=["slow", "fast"],
    )
    assert key_failures(frame) == ["slow"]


def test_no_targets_means_no_score():
    frame = indicators().assign(target_value=math.nan)
    result = composite(frame, points(frame, ScoreOptions()), ScoreOptions())
    assert result.score is None and result.stars is None


def test_a_missing_value_takes_no_part_in_the_line():
    # y = 2x + 1 at x = 0, 1, 3, 4, with the point at x = 2 missing.
    pts = series([1.0, 3.0, float("nan"), 7.0, 9.0], start=0)

    fitted = fit_lines(pts)

    assert fitted.loc["A", "slope"] == pytest.approx(2.0)
    assert fitted.loc["A", "forecast_points"] == 4
    assert forecast_at(fitted, pd.Series({"A": 10}))["A"] == pytest.approx(21.0)


def test_lines_are_fitted_per_indicator_over_sorted_runs():
    a = series([1.0, 2.0, 3.0], start=0)
    b = series([10.0, 8.0, 6.0, 4.0], start=5).assign(indicator_id="B")

    fitted = fit_lines(pd.concat([a, b], ignore_index=True))

    assert fitted["slope"].to_dict() == pytest.approx({"A": 1.0, "B": -2.0})
    assert fitted.loc["B", "origin"] == 5


def test_recent_points_are_the_last_of_each_current_segment():
    a = series([1.0, 2.0, 3.0, 4.0, 5.0], start=0)
    b = series([9.0, 8.0, 7.0], start=0).assign(indicator_id="B")
    pts = pd.concat([a, b], ignore_index=True)

    recent = recent_points(pts, pd.Series({"A": 3.0}), window=2)

    assert list(zip(recent["indicator_id"], recent["ordinal"], strict=True)) == [
        ("A", 3),
        ("A", 4),
        ("B", 1),
        ("B", 2),
    ]
    only_current = recent_points(pts, pd.Series({"A": 4.0}), window=8)
    assert list(only_current.loc[only_current["indicator_id"] == "A", "ordinal"]) == [4]
