"""Gap, progress, trajectory and status, against figures worked out by hand."""

import math

import pandas as pd
import pytest

from cipms_cli.engine.targets import compare_with_target
from cipms_cli.settings import StatusOptions


def frame(**overrides):
    row = {
        "direction": "increase",
        "target_value": 70.0,
        "target_ordinal": 8,
        "tolerance": math.nan,
        "baseline_value": 50.0,
        "baseline_ordinal": 0,
        "latest_value": 60.0,
        "latest_ordinal": 4,
    }
    row.update(overrides)
    return pd.DataFrame([row])


def one(**overrides):
    return compare_with_target(frame(**overrides), StatusOptions()).iloc[0]


def test_increase_on_the_line_is_on_track():
    r = one()
    # trajectory halfway from 50 to 70 at period 4 of 8 is 60
    assert r["trajectory"] == pytest.approx(60)
    assert r["gap"] == pytest.approx(10)
    assert r["progress"] == pytest.approx(0.5)
    assert r["change_from_baseline"] == pytest.approx(10)
    assert r["change_from_baseline_pct"] == pytest.approx(20)
    assert r["percent_of_target"] == pytest.approx(60 / 70 * 100)
    assert r["status"] == "on_track"


def test_default_tolerance_is_five_percent_of_the_distance():
    # 5% of |70 - 50| = 1: one short of the line is at risk, a little more is off track
    assert one(latest_value=59.0)["status"] == "at_risk"
    assert one(latest_value=58.9)["status"] == "off_track"


def test_indicator_tolerance_overrides_the_default():
    assert one(latest_value=57.0, tolerance=3.0)["status"] == "at_risk"
    assert one(latest_value=56.9, tolerance=3.0)["status"] == "off_track"


def test_met_once_the_target_is_reached():
    r = one(latest_value=71.0)
    assert r["status"] == "met"
    assert r["gap"] == pytest.approx(-1)


def decreasing(latest):
    # waiting days: 40 -> 20 over 8 quarters; at quarter 2 the line is at 35
    return one(
        direction="decrease",
        baseline_value=40.0,
        target_value=20.0,
        latest_value=latest,
        latest_ordinal=2,
    )


def test_decrease_direction():
    r = decreasing(35.0)
    assert r["trajectory"] == pytest.approx(35)
    assert r["gap"] == pytest.approx(15)
    assert r["progress"] == pytest.approx(0.25)
    assert r["status"] == "on_track"
    assert decreasing(36.0)["status"] == "at_risk"
    assert decreasing(37.0)["status"] == "off_track"
    met = decreasing(19.0)
    assert met["status"] == "met"
    assert met["gap"] == pytest.approx(-1)


def test_after_the_target_date_the_line_stays_at_the_target():
    r = one(latest_value=69.0, latest_ordinal=10)
    assert r["trajectory"] == pytest.approx(70)
    assert r["status"] == "at_risk"


def test_no_target_and_neutral():
    assert one(target_value=math.nan, target_ordinal=math.nan)["status"] == "no_target"
    neutral = one(direction="neutral")
    assert neutral["status"] is None
    assert math.isnan(neutral["gap"])


def test_no_data():
    assert one(latest_value=math.nan, latest_ordinal=math.nan)["status"] == "no_data"


def test_progress_undefined_when_target_equals_baseline():
    r = one(target_value=50.0, latest_value=52.0)
    assert math.isnan(r["progress"])
    assert r["status"] == "met"
