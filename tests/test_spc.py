"""Tests for the XmR engine against NHSRplotthedots v0.2.2 and hand-computed cases."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cipms_cli.engine.spc import SpcResult, SpcSettings, spc_frame, xmr

DATA = Path(__file__).parent / "data" / "spc"

pytestmark = pytest.mark.filterwarnings("error")


def ae_england() -> pd.DataFrame:
    return pd.read_csv(DATA / "ae_attendances_england.csv")


def rnorm_seed_123() -> list[float]:
    return pd.read_csv(DATA / "rnorm_seed_123.csv")["y"].tolist()


def point_types(result: SpcResult) -> list[str | None]:
    return [p.point_type for p in result.points]


def rules(result: SpcResult) -> list[str | None]:
    return [p.rule for p in result.points]


def limits_of(result: SpcResult) -> tuple[float | None, float | None, float | None]:
    return result.mean, result.lpl, result.upl


# --- Published figures: NHSRplotthedots integration-test snapshots (see tests/data/spc) ---


def test_ae_attendances_limits_and_point_types_match_the_package_snapshot() -> None:
    result = xmr(ae_england()["attendances"].to_numpy(dtype=float), "increase")

    assert limits_of(result) == pytest.approx(
        (2000538.9444444445, 1731844.3644444444, 2269233.5244444446), rel=1e-12
    )
    assert point_types(result) == ["common_cause"] * 36
    assert result.variation == "common_cause"


def rqm_breaches() -> pd.DataFrame:
    return pd.read_csv(DATA / "ae_attendances_rqm_type1.csv")


def test_the_package_readme_example_rqm_breaches_against_target_1200() -> None:
    # README of NHSRplotthedots: RQM type-1 breaches before April 2018, decrease, target 1200.
    data = rqm_breaches()
    first_24 = data.loc[data["period"] < "2018-04-01", "breaches"].to_numpy(dtype=float)

    result = xmr(first_24, "decrease", target=1200.0)

    assert len(first_24) == 24
    assert result.mean == pytest.approx(1545.167, abs=5e-4)
    assert result.lpl == pytest.approx(740.396, abs=5e-4)
    assert result.upl == pytest.approx(2349.938, abs=5e-4)
    assert result.assurance == "inconsistent"
    # By hand: the 23 moving ranges sum to 7855 (mean 341.52); screening drops the one at or
    # above 3.267 x that mean (Jan to Feb 2017, 1199), leaving 6656 / 22. Unscreened, the
    # limits would be 636.72 and 2453.61.
    mr = np.abs(np.diff(first_24))
    assert mr.sum() == 7855 and (mr >= 3.267 * mr.mean()).tolist().count(True) == 1
    assert (result.upl - result.mean) / 2.66 == pytest.approx(6656 / 22, rel=1e-12)
    flagged = {i: (p.point_type, p.rule) for i, p in enumerate(result.points)}
    assert {i: f for i, f in flagged.items() if f[0] != "common_cause"} == {
        1: ("special_cause_improvement", "two_of_three"),  # May and June 2016, low
        2: ("special_cause_improvement", "two_of_three"),
        8: ("special_cause_concern", "outside_limits"),  # Dec 2016 and Jan 2017, high
        9: ("special_cause_concern", "outside_limits"),
    }
    assert result.variation == "common_cause"
    assert result.trial_limits is False


def test_ae_attendances_rebased_at_april_2017_match_the_package_snapshot() -> None:
    data = ae_england()
    rebase = int(np.flatnonzero(data["period"] == "2017-04-01")[0])

    result = xmr(data["attendances"].to_numpy(dtype=float), "increase", rebase_at=[rebase])

    first, last = result.points[0], result.points[-1]
    assert (first.mean, first.lpl, first.upl) == pytest.approx(
        (1946858.4166666667, 1639947.374848485, 2253769.4584848485), rel=1e-12
    )
    assert (last.mean, last.lpl, last.upl) == pytest.approx(
        (2027379.2083333333, 1772921.0639855072, 2281837.3526811595), rel=1e-12
    )
    assert limits_of(result) == (last.mean, last.lpl, last.upl)
    assert point_types(result) == ["common_cause"] * 36


def test_ae_performance_fixed_after_12_points_matches_the_package_snapshot() -> None:
    data = ae_england()

    result = xmr(data["performance"].to_numpy(dtype=float), "increase", fix_after=12)

    assert limits_of(result) == pytest.approx(
        (0.8908915564349236, 0.8614049789074258, 0.9203781339624213), rel=1e-12
    )
    assert point_types(result) == data["ptd_point_type_performance_fix_after_12"].tolist()
    assert rules(result)[9] == "outside_limits"
    assert rules(result)[11:19] == ["shift"] * 8
    # Points 34 and 35 are both below the lower limit and inside a run of 7 below the mean.
    assert rules(result)[29:36] == ["shift"] * 4 + ["outside_limits"] * 2 + ["shift"]
    assert result.variation == "concern_low"


# --- Published figures: NHSRplotthedots unit tests (tests/testthat, set.seed(123); rnorm(20)) ---


def test_rnorm_limits_match_the_package_unit_test_snapshot() -> None:
    result = xmr(rnorm_seed_123())

    assert limits_of(result) == pytest.approx((0.1416238, -3.01138, 3.294627), abs=5e-7)
    assert point_types(result) == ["common_cause"] * 20


def test_outlier_screening_matches_the_package_unit_test_snapshot() -> None:
    values = rnorm_seed_123()
    values[14] = 10

    screened = xmr(values)
    unscreened = xmr(values, settings=SpcSettings(screen_outliers=False))

    assert limits_of(screened) == pytest.approx((0.6694159, -2.383666, 3.722497), abs=5e-7)
    assert limits_of(unscreened) == pytest.approx((0.6694159, -4.596625, 5.935457), abs=5e-7)


def test_facets_match_the_package_summary_snapshot() -> None:
    values = rnorm_seed_123()
    frame = frame_of({"0": values[:10], "1": values[10:]})

    _, summary = spc_frame(frame)

    assert summary.loc["0", ["mean", "lpl", "upl"]].tolist() == pytest.approx(
        [0.0746, -2.60, 2.75], abs=5e-3
    )
    assert summary.loc["1", ["mean", "lpl", "upl"]].tolist() == pytest.approx(
        [0.209, -3.28, 3.70], abs=5e-3
    )
    assert summary["trial_limits"].tolist() == [True, True]


def test_two_close_points_on_opposite_sides_are_common_cause_as_in_the_package() -> None:
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5

    result = xmr(values)

    assert point_types(result)[-2:] == ["common_cause", "common_cause"]


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
        ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
        ("neutral", [None, None, None]),
    ],
)
def test_assurance_matches_the_package_unit_test_cases(
    direction: str, expected: list[str | None]
) -> None:
    # The package's cases: target 4 against limits (1, 3), (5, 7) and (1, 5).
    frame = frame_with_limits({"a": (1, 3), "b": (5, 7), "c": (1, 5)}, direction, target=4.0)

    _, summary = spc_frame(frame)

    assert summary["lpl"].tolist() == pytest.approx([1, 5, 1])
    assert summary["upl"].tolist() == pytest.approx([3, 7, 5])
    assert summary["assurance"].tolist() == expected


def test_an_unknown_direction_is_refused_by_name() -> None:
    frame = frame_of({"a": [1.0, 2.0, 3.0]}, direction="upwards")

    with pytest.raises(ValueError, match=r"direction must be one of .*'upwards'"):
        spc_frame(frame)


def test_a_direction_that_changes_within_a_key_is_refused() -> None:
    frame = frame_of({"a": [1.0, 2.0, 3.0]}, direction="increase")
    frame.loc[2, "direction"] = "decrease"

    with pytest.raises(ValueError, match="constant within a key"):
        spc_frame(frame)
    frame.loc[2, "direction"] = None
    with pytest.raises(ValueError, match="direction must be one of"):
        spc_frame(frame)


# --- Hand-computed limits ---


def test_limits_of_the_deviations_vignette_series_by_hand() -> None:
    # NHSRplotthedots vignette "Deviations from excel defaults".
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    mean = 35 / 18
    # Moving ranges 1,1,1,8,9 and twelve 1s: mean 32/17. 8 and 9 are >= 3.267 x 32/17 (6.15),
    # so screening leaves fifteen 1s: mean moving range 1.
    screened = xmr(values)
    unscreened = xmr(values, settings=SpcSettings(screen_outliers=False))

    assert limits_of(screened) == pytest.approx((mean, mean - 2.66, mean + 2.66))
    assert limits_of(unscreened) == pytest.approx(
        (mean, mean - 2.66 * 32 / 17, mean + 2.66 * 32 / 17)
    )
    assert rules(screened)[4] == "outside_limits"
    assert point_types(screened)[4] == "special_cause_neutral_high"


@pytest.mark.parametrize(
    ("jump", "kept"),
    [
        # Eleven ranges of 1 and one of 3.83: mean 14.83/12 = 1.236; 3.83 is between 3 and
        # 3.267 times that, so it stays.
        (3.83, True),
        # One of 4.5: mean 15.5/12 = 1.292; 4.5 is more than 3.267 times that, so it goes.
        (4.5, False),
    ],
)
def test_screening_drops_moving_ranges_of_3267_times_their_mean(jump: float, kept: bool) -> None:
    values = [0.0, 1.0] * 6 + [1.0 + jump]
    mean = (6 + 1 + jump) / 13
    mean_range = (11 + jump) / 12 if kept else 1.0

    result = xmr(values)

    assert limits_of(result) == pytest.approx(
        (mean, mean - 2.66 * mean_range, mean + 2.66 * mean_range)
    )


def test_each_point_reports_its_segment_limits_and_the_first_moving_range_is_skipped() -> None:
    result = xmr([4.0, 6.0, 5.0])
    # Mean 5; moving ranges 2 and 1 (none for the first point): mean 1.5.
    assert limits_of(result) == pytest.approx((5.0, 5.0 - 2.66 * 1.5, 5.0 + 2.66 * 1.5))
    assert all((p.mean, p.lpl, p.upl) == limits_of(result) for p in result.points)


def test_missing_values_are_left_out_of_the_mean_and_break_moving_ranges() -> None:
    result = xmr([1.0, 2.0, None, 4.0, float("nan"), 5.0, 6.0])
    # Mean of 1,2,4,5,6 = 3.6; only 2-1 and 6-5 are moving ranges: mean 1.
    assert limits_of(result) == pytest.approx((3.6, 3.6 - 2.66, 3.6 + 2.66))
    missing = [p for p in result.points if p.value is None]
    assert [p.position for p in missing] == [2, 4]
    assert all(p.point_type is None and p.rule is None for p in missing)
    assert point_types(result).count("common_cause") == 5


def test_a_constant_series_has_limits_equal_to_the_mean() -> None:
    result = xmr([5.0] * 20, "increase", target=5.0)

    assert limits_of(result) == (5.0, 5.0, 5.0)
    assert point_types(result) == ["common_cause"] * 20
    assert result.assurance == "inconsistent"  # target on the limits is not beyond them


def test_a_near_constant_series_flags_every_point_like_the_package() -> None:
    # The single moving range of 1 is screened out, leaving a mean range of 0: limits at the
    # mean (31/6), which every point misses.
    result = xmr([5, 5, 5, 5, 5, 6], "increase")

    assert limits_of(result) == pytest.approx((31 / 6, 31 / 6, 31 / 6))
    assert rules(result) == ["outside_limits"] * 6
    assert point_types(result) == ["special_cause_concern"] * 5 + ["special_cause_improvement"]


def test_an_empty_series() -> None:
    assert xmr([], "increase", target=1.0) == SpcResult(None, None, None, None, None, True, [])


def test_a_single_point_has_a_mean_but_no_limits() -> None:
    result = xmr([7.0], "increase", target=3.0)

    assert limits_of(result) == (7.0, None, None)
    assert point_types(result) == ["common_cause"]
    assert (result.variation, result.assurance, result.trial_limits) == (
        "common_cause",
        None,
        True,
    )


def test_two_points_have_limits_from_their_one_moving_range() -> None:
    result = xmr([1.0, 3.0], "increase", target=8.0)

    assert limits_of(result) == pytest.approx((2.0, 2.0 - 5.32, 2.0 + 5.32))
    assert result.assurance == "consistent_fail"


def test_all_missing() -> None:
    result = xmr([None, None])

    assert limits_of(result) == (None, None, None)
    assert point_types(result) == [None, None]
    assert result.variation is None


# --- Rules ---

RISING_RUN = [0, 9, 0, 9, 2, 3, 4, 5, 6, 7, 8, 0, 9, 0, 9]  # positions 4-10 rise strictly


def test_seven_rising_points_are_all_marked_as_a_trend() -> None:
    result = xmr(RISING_RUN, "increase")

    assert [p.position for p in result.points if p.rule == "trend"] == list(range(4, 11))
    assert {point_types(result)[i] for i in range(4, 11)} == {"special_cause_improvement"}
    assert point_types(result)[3] == "common_cause"


def test_a_falling_trend_is_low() -> None:
    result = xmr([-v for v in RISING_RUN], "neutral")

    assert {point_types(result)[i] for i in range(4, 11)} == {"special_cause_neutral_low"}


def test_a_tie_breaks_a_trend() -> None:
    values = list(RISING_RUN)
    values[7] = values[6]  # 2,3,4,4,6,7,8

    assert "trend" not in rules(xmr(values))


def test_six_point_trends_when_configured() -> None:
    values = [0, 9, 0, 9, 3, 4, 5, 6, 7, 8, 0, 9, 0, 9]  # positions 4-9 rise

    assert "trend" not in rules(xmr(values))
    six = xmr(values, settings=SpcSettings(trend_points=6))
    assert [p.position for p in six.points if p.rule == "trend"] == list(range(4, 10))


PEAK = [0, 9, 0, 9, 2, 3, 4, 5, 6, 7, 8, 7, 6, 5, 4, 3, 2, 9, 0, 9, 0]  # 4-10 rise, 10-16 fall


def test_a_peak_shared_by_two_trends_takes_the_side_of_the_step_after_it() -> None:
    result = xmr(PEAK, "increase")

    assert [p.position for p in result.points if p.rule == "trend"] == list(range(4, 17))
    assert (
        point_types(result)[4:17]
        == ["special_cause_improvement"] * 6 + ["special_cause_concern"] * 7
    )


def test_a_trend_point_followed_by_an_equal_trend_point_counts_as_falling() -> None:
    # Package quirk kept for fidelity: a flat step to the next trend point is not a rise.
    values = [*PEAK[:11], 8, *PEAK[11:]]  # 4-10 rise to 8, 11-17 fall from 8

    result = xmr(values, "increase")

    assert rules(result)[4:18] == ["trend"] * 14
    assert point_types(result)[9:12] == [
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_concern",
    ]


SHIFT_HALF = [1, 3, 1, 3, 2, 3, 1, 3, 1]  # nine points above a mean of exactly 0


def test_a_run_on_one_side_of_the_mean_is_marked_as_a_shift() -> None:
    result = xmr(SHIFT_HALF + [-v for v in SHIFT_HALF], "decrease")

    assert limits_of(result)[0] == 0
    assert rules(result) == ["shift"] * 18
    assert point_types(result) == ["special_cause_concern"] * 9 + ["special_cause_improvement"] * 9
    assert result.variation == "improvement_low"


def test_a_point_exactly_on_the_mean_breaks_a_shift() -> None:
    half = list(SHIFT_HALF)
    half[4] = 0  # runs of 4 and 4 either side of the point on the mean

    result = xmr(half + [-v for v in half])

    assert limits_of(result)[0] == 0
    assert "shift" not in rules(result)


def test_a_missing_value_breaks_a_shift() -> None:
    half: list[float | None] = list(SHIFT_HALF)
    half[4] = None

    result = xmr(half + [None if v is None else -v for v in half])

    assert "shift" not in rules(result)


def test_six_point_shifts_when_configured() -> None:
    values = [1, 3, 1, 3, 1, 3, -1, -3, -1, -3, -1, -3]

    assert "shift" not in rules(xmr(values))
    assert rules(xmr(values, settings=SpcSettings(shift_points=6))) == ["shift"] * 12


# Mean exactly 0; after screening the mean moving range is 2.375: near lines at +-4.21,
# limits at +-6.32, so 4.5 is between two and three sigma.
ALTERNATING = [-1.0, 1.0] * 8


def test_two_of_three_near_the_limits_on_one_side_marks_the_two() -> None:
    result = xmr([*ALTERNATING, 4.5, 1.0, 4.5, -4.5, -1.0, -4.5], "increase")

    assert limits_of(result) == pytest.approx((0.0, -2.66 * 2.375, 2.66 * 2.375))
    assert rules(result)[16:] == ["two_of_three", None, "two_of_three"] * 2
    assert point_types(result)[16:] == [
        "special_cause_improvement",
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
        "common_cause",
        "special_cause_concern",
    ]


def test_two_of_three_needs_all_three_points_on_one_side() -> None:
    values = [*ALTERNATING, 5.5, -1.0, 5.5]
    result = xmr(values)
    mean, _, upl = limits_of(result)
    assert mean is not None and upl is not None
    near_upper = mean + (2 / 3) * (upl - mean)
    assert near_upper < 5.5 < upl  # both 5.5s are between two and three sigma

    assert rules(result) == [None] * 19


def test_points_beyond_the_limits_count_towards_two_of_three_only_when_configured() -> None:
    # Screening drops the jumps to and from +-15: limits +-5.76, near lines +-3.84.
    values = [*ALTERNATING, 4.0, 1.0, 15.0, -4.0, -1.0, -15.0]
    result = xmr(values)
    assert limits_of(result) == pytest.approx((0.0, -2.66 * 39 / 18, 2.66 * 39 / 18))
    assert rules(result)[16:] == [None, None, "outside_limits"] * 2

    counting = xmr(values, settings=SpcSettings(two_of_three_counts_beyond_limits=True))
    assert limits_of(counting) == limits_of(result)
    assert rules(counting)[16:] == ["two_of_three", None, "outside_limits"] * 2


ZIGZAG = [1, 3, 1, 3, 1, 3, 1, -1, -3, -1, -3, -1, -3, -1] * 2


def test_outside_limits_takes_precedence_over_a_shift() -> None:
    result = xmr([*ZIGZAG, 1, 3, 1, 12, 1, 3, 1], "increase")

    assert rules(result)[-7:] == ["shift"] * 3 + ["outside_limits"] + ["shift"] * 3
    assert result.variation == "improvement_high"


def test_variation_uses_the_last_non_missing_point() -> None:
    values: list[float | None] = [*ZIGZAG, 1, 3, 1, 12, None]

    assert xmr(values, "decrease").variation == "concern_high"
    assert xmr(values, "neutral").variation == "neutral_high"
    assert xmr(values, "increase").variation == "improvement_high"


# --- Rebasing, fixing, trial limits ---


def test_rebasing_computes_limits_per_segment() -> None:
    result = xmr([1, 2, 1, 2, 1, 2, 11, 12, 11, 12, 11, 12], "increase", rebase_at=[6])

    assert (result.points[0].mean, result.points[0].lpl, result.points[0].upl) == pytest.approx(
        (1.5, 1.5 - 2.66, 1.5 + 2.66)
    )
    assert limits_of(result) == pytest.approx((11.5, 11.5 - 2.66, 11.5 + 2.66))
    assert point_types(result) == ["common_cause"] * 12


def test_fixing_limits_uses_the_first_points_and_judges_later_points_against_them() -> None:
    result = xmr([1, 2] * 6 + [10] * 6, "increase", fix_after=12)

    assert limits_of(result) == pytest.approx((1.5, 1.5 - 2.66, 1.5 + 2.66))
    assert rules(result)[12:] == ["outside_limits"] * 6


def test_fixing_counts_non_missing_points() -> None:
    values: list[float | None] = [1, None, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 100]
    result = xmr(values, fix_after=12)

    assert limits_of(result)[0] == pytest.approx(1.5)


def test_fixing_applies_to_each_segment() -> None:
    values = [1, 2] * 6 + [50] * 2 + [11, 12] * 6 + [90] * 2
    result = xmr(values, "increase", rebase_at=[14], fix_after=12)

    assert result.points[0].mean == pytest.approx(1.5)
    assert limits_of(result) == pytest.approx((11.5, 11.5 - 2.66, 11.5 + 2.66))


def test_fix_after_below_twelve_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least 12"):
        xmr([1.0] * 20, fix_after=11)


def test_trial_limits_below_thirteen_points_in_the_latest_segment() -> None:
    assert xmr([1.0, 2.0] * 6).trial_limits is True
    assert xmr([1.0, 2.0] * 6 + [1.0]).trial_limits is False
    assert xmr([1.0, 2.0] * 10, rebase_at=[7]).trial_limits is False
    assert xmr([1.0, 2.0] * 10, rebase_at=[8]).trial_limits is True


def test_assurance_uses_the_latest_segment() -> None:
    result = xmr([10.0] * 13 + [2.0] * 13, "increase", target=5.0, rebase_at=[13])

    assert result.assurance == "consistent_fail"


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="direction"):
        xmr([1.0], "up")
    with pytest.raises(ValueError, match="rebase_at"):
        xmr([1.0, 2.0], rebase_at=[5])
    with pytest.raises(ValueError, match="6 or 7"):
        SpcSettings(shift_points=8)


# --- spc_frame ---


def frame_of(
    series: dict[str, list[float]],
    direction: str = "neutral",
    target: float = math.nan,
    fix_after: float = math.nan,
) -> pd.DataFrame:
    rows = [
        (key, position, value, 0, direction, target, fix_after)
        for key, values in series.items()
        for position, value in enumerate(values)
    ]
    return pd.DataFrame(
        rows, columns=["key", "position", "value", "segment", "direction", "target", "fix_after"]
    )


def frame_with_limits(
    limits: dict[str, tuple[float, float]], direction: str, target: float
) -> pd.DataFrame:
    """Series with the given (lpl, upl): values alternating either side of the mean."""
    series = {}
    for key, (lpl, upl) in limits.items():
        mean, moving_range = (lpl + upl) / 2, (upl - lpl) / 2 / 2.66
        series[key] = [mean - moving_range / 2, mean + moving_range / 2] * 7
    return frame_of(series, direction=direction, target=target)


def test_spc_frame_keeps_the_input_rows_and_order() -> None:
    frame = frame_of({"b": [1.0, 2.0, 3.0], "a": [4.0, 5.0]}).iloc[[4, 0, 2, 1, 3]]

    point_frame, summary = spc_frame(frame)

    assert point_frame.index.tolist() == frame.index.tolist()
    assert point_frame[frame.columns].equals(frame)
    assert list(point_frame.columns[-5:]) == ["mean", "lpl", "upl", "point_type", "rule"]
    assert summary.index.tolist() == ["a", "b"]
    assert summary["n_points"].tolist() == [2, 3]


def test_spc_frame_rejects_bad_input() -> None:
    frame = frame_of({"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="duplicate"):
        spc_frame(pd.concat([frame, frame]))
    with pytest.raises(ValueError, match="missing columns"):
        spc_frame(frame.drop(columns="target"))
    mixed = frame.copy()
    mixed.loc[1, "direction"] = "increase"
    with pytest.raises(ValueError, match="constant"):
        spc_frame(mixed)


def test_spc_frame_on_an_empty_frame() -> None:
    point_frame, summary = spc_frame(frame_of({}))

    assert point_frame.empty and summary.empty
    assert {"mean", "point_type", "rule"} <= set(point_frame.columns)
    assert {"variation", "assurance", "trial_limits", "n_points"} <= set(summary.columns)


# --- Properties ---

integer_series = st.lists(st.integers(-1000, 1000), min_size=0, max_size=40)
gappy_series = st.lists(st.one_of(st.none(), st.integers(-50, 50)), min_size=0, max_size=40)
SWAP = {
    "special_cause_improvement": "special_cause_concern",
    "special_cause_concern": "special_cause_improvement",
    "improvement_high": "concern_high",
    "concern_high": "improvement_high",
    "improvement_low": "concern_low",
    "concern_low": "improvement_low",
    "consistent_pass": "consistent_fail",
    "consistent_fail": "consistent_pass",
}


def swapped(label: str | None) -> str | None:
    return SWAP.get(label, label) if label is not None else None


@given(gappy_series, st.one_of(st.none(), st.integers(-60, 60)))
def test_reversing_direction_swaps_improvement_and_concern_only(
    values: list[int | None], target: int | None
) -> None:
    rising = xmr(values, "increase", target=target)
    falling = xmr(values, "decrease", target=target)

    assert limits_of(falling) == limits_of(rising)
    assert rules(falling) == rules(rising)
    assert point_types(falling) == [swapped(t) for t in point_types(rising)]
    assert falling.variation == swapped(rising.variation)
    assert falling.assurance == swapped(rising.assurance)
    assert falling.trial_limits == rising.trial_limits


def clear_of_boundaries(result: SpcResult) -> bool:
    """No point so close to a decision line that rounding could move it across."""
    mean, lpl, upl = limits_of(result)
    if mean is None or upl is None or lpl is None:
        return True
    near = (2 / 3) * (upl - mean)
    lines = (mean, lpl, upl, mean - near, mean + near)
    return all(
        abs(p.value - line) > 1e-6 for p in result.points if p.value is not None for line in lines
    )


@given(integer_series, st.integers(-(10**6), 10**6), st.sampled_from(["increase", "neutral"]))
def test_shifting_values_shifts_limits_and_keeps_point_types(
    values: list[int], offset: int, direction: str
) -> None:
    original = xmr(values, direction)
    assume(clear_of_boundaries(original))

    moved = xmr([v + offset for v in values], direction)

    for before, after in zip(limits_of(original), limits_of(moved), strict=True):
        if before is None:
            assert after is None
        else:
            assert after == pytest.approx(before + offset, abs=1e-6)
    assert point_types(moved) == point_types(original)
    assert rules(moved) == rules(original)
    assert moved.variation == original.variation


@st.composite
def indicator_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    n_keys = draw(st.integers(1, 5))
    rows = []
    specs: dict[str, dict[str, Any]] = {}
    for index in range(n_keys):
        key = f"k{index}"
        values = draw(gappy_series)
        rebase_at = sorted(
            draw(st.sets(st.integers(1, max(len(values) - 1, 1)), max_size=2))
            if len(values) > 1
            else set()
        )
        spec: dict[str, Any] = {
            "values": values,
            "direction": draw(st.sampled_from(["increase", "decrease", "neutral"])),
            "target": draw(st.one_of(st.none(), st.integers(-60, 60))),
            "rebase_at": rebase_at,
            "fix_after": draw(st.one_of(st.none(), st.integers(12, 20))),
        }
        specs[key] = spec
        segments = np.searchsorted(np.array(rebase_at, dtype=int), np.arange(len(values)), "right")
        for position, value in enumerate(values):
            rows.append(
                (
                    key,
                    position,
                    math.nan if value is None else float(value),
                    int(segments[position]),
                    spec["direction"],
                    math.nan if spec["target"] is None else float(spec["target"]),
                    math.nan if spec["fix_after"] is None else float(spec["fix_after"]),
                )
            )
    frame = pd.DataFrame(
        rows, columns=["key", "position", "value", "segment", "direction", "target", "fix_after"]
    )
    return frame, specs


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


@settings(max_examples=60)
@given(indicator_frames())
def test_spc_frame_on_many_keys_equals_xmr_per_key(data: tuple[pd.DataFrame, dict]) -> None:
    frame, specs = data
    point_frame, summary = spc_frame(frame)

    for key, spec in specs.items():
        single = xmr(
            spec["values"],
            spec["direction"],
            target=spec["target"],
            rebase_at=spec["rebase_at"],
            fix_after=spec["fix_after"],
        )
        rows = point_frame[point_frame["key"] == key].sort_values("position")
        assert rows["point_type"].tolist() == point_types(single)
        assert rows["rule"].tolist() == rules(single)
        expected_lpl = [math.nan if p.lpl is None else p.lpl for p in single.points]
        assert all(same(a, b) for a, b in zip(rows["lpl"].tolist(), expected_lpl, strict=True))
        if spec["values"]:
            row = summary.loc[key]
            assert row["variation"] == single.variation
            assert row["assurance"] == single.assurance
            assert bool(row["trial_limits"]) == single.trial_limits
        else:
            assert key not in summary.index


@settings(max_examples=60)
@given(indicator_frames(), st.data())
def test_row_order_does_not_change_results(
    frame_and_specs: tuple[pd.DataFrame, dict], data: st.DataObject
) -> None:
    frame, _ = frame_and_specs
    order = data.draw(st.permutations(list(range(len(frame)))))
    shuffled = frame.iloc[order]

    points_a, summary_a = spc_frame(frame)
    points_b, summary_b = spc_frame(shuffled)

    pd.testing.assert_frame_equal(points_a, points_b.loc[points_a.index])
    pd.testing.assert_frame_equal(summary_a, summary_b)


@given(
    st.lists(st.integers(-50, 50), min_size=2, max_size=40),
    st.data(),
)
def test_a_rebased_series_is_its_segments_charted_separately(
    values: list[int], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(1, len(values) - 1))

    whole = xmr(values, "increase", rebase_at=[cut])
    before = xmr(values[:cut], "increase")
    after = xmr(values[cut:], "increase")

    def strip(points: list) -> list[tuple]:
        return [(p.value, p.mean, p.lpl, p.upl, p.point_type, p.rule) for p in points]

    assert strip(whole.points) == strip(before.points) + strip(after.points)
    assert limits_of(whole) == limits_of(after)
    assert whole.variation == after.variation
