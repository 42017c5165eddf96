"""Funnel-plot limits and flags, checked against arithmetic done by hand."""

from __future__ import annotations

import numpy as np
import pytest

from batch_returns import network
from cipms_cli.batch import funnel
from cipms_cli.batch.run import run_batch
from cipms_cli.batch.tables import build_tables


def test_limits_for_p_080_and_n_100():
    # se = sqrt(0.8 * 0.2 / 100) = sqrt(0.0016) = 0.04
    # 95%:   0.8 ± 1.959964 * 0.04 = 0.8 ± 0.07839856 -> 0.72160144, 0.87839856
    # 99.8%: 0.8 ± 3.090232 * 0.04 = 0.8 ± 0.12360928 -> 0.67639072, 0.92360928
    assert funnel.standard_error(0.8, 100) == pytest.approx(0.04)
    low, high = funnel.limits(0.8, 100, funnel.Z95)
    assert (float(low), float(high)) == pytest.approx((0.72160144, 0.87839856))
    low, high = funnel.limits(0.8, 100, funnel.Z998)
    assert (float(low), float(high)) == pytest.approx((0.67639072, 0.92360928))


def test_limits_narrow_with_the_denominator_and_are_clipped_at_one():
    # n = 25: se = sqrt(0.16 / 25) = 0.08; 99.8% upper = 0.8 + 3.090232 * 0.08 = 1.0472 -> 1
    # n = 400: se = sqrt(0.16 / 400) = 0.02; 95% = 0.8 ± 0.03919928
    low, high = funnel.limits(np.array([0.8, 0.8]), np.array([25, 400]), funnel.Z998)
    assert low[0] == pytest.approx(0.8 - 0.24721856)
    assert high[0] == 1.0
    low, high = funnel.limits(0.8, 400, funnel.Z95)
    assert (float(low), float(high)) == pytest.approx((0.76080072, 0.83919928))


def test_classify_each_band():
    # p = 0.8, n = 100: 95% (0.7216, 0.8784), 99.8% (0.6764, 0.9236)
    observed = np.array([0.60, 0.70, 0.80, 0.90, 1.00, 0.8783])
    flags = funnel.classify(observed, np.full(6, 0.8), np.full(6, 100.0))
    assert list(flags) == [
        funnel.BELOW_998,
        funnel.BELOW_95,
        funnel.WITHIN,
        funnel.ABOVE_95,
        funnel.ABOVE_998,
        funnel.WITHIN,  # 0.8783 is just inside 0.87839856
    ]


def test_favourable_depends_on_the_improvement_direction():
    assert funnel.favourable(funnel.ABOVE_95, "increase") is True
    assert funnel.favourable(funnel.ABOVE_998, "decrease") is False
    assert funnel.favourable(funnel.BELOW_95, "decrease") is True
    assert funnel.favourable(funnel.BELOW_998, "increase") is False
    assert funnel.favourable(funnel.ABOVE_95, "neutral") is None
    assert funnel.favourable(funnel.WITHIN, "increase") is None


def test_normal_approximation_reliability():
    # n*p and n*(1-p) must both reach 5: n=10, p=0.8 gives 8 and 2 -> unreliable;
    # n=25 gives 20 and 5 -> reliable (just).
    assert list(funnel.reliable(0.8, np.array([10, 25, 100]))) == [False, True, True]


def test_dispersion_ratio_is_the_mean_squared_z():
    # z = -2.5, 0, 2.5 -> (6.25 + 0 + 6.25) / 3 = 4.1667
    assert funnel.dispersion_ratio(np.array([-2.5, 0.0, 2.5, np.nan])) == pytest.approx(12.5 / 3)


def test_funnel_flags_through_a_whole_batch(tmp_path):
    # Five agencies in 2024-Q1, percent P1 (increase):
    #   AG01 70/100, AG02 100/100, AG03 90/100, AG04 160/200, AG05 60/100
    # pooled p = (70 + 100 + 90 + 160 + 60) / (100 + 100 + 100 + 200 + 100) = 480/600 = 0.8
    # n = 100: se 0.04, 95% (72.160144, 87.839856)%, 99.8% (67.639072, 92.360928)%
    # n = 200: se = sqrt(0.16/200) = 0.0282843, 95% = 80 ± 5.543615 -> (74.456385, 85.543615)%
    # z: AG01 -2.5, AG02 5, AG03 2.5, AG04 0, AG05 -5; dispersion (6.25+25+6.25+0+25)/5 = 12.5
    figures = {
        "AG01": {"2024-Q1": (70, 100)},
        "AG02": {"2024-Q1": (100, 100)},
        "AG03": {"2024-Q1": (90, 100)},
        "AG04": {"2024-Q1": (160, 200)},
        "AG05": {"2024-Q1": (60, 100)},
    }
    network(tmp_path, figures)
    tables = build_tables(run_batch([str(p) for p in sorted(tmp_path.iterdir())], jobs=1))
    rows = {r["agency_id"]: r for r in tables["agency_benchmarks"] if r["indicator_id"] == "P1"}
    expected = {
        # agency: (flag, favourable, rank, percentile, z)
        "AG01": (funnel.BELOW_95, False, 4, 25.0, -2.5),
        "AG02": (funnel.ABOVE_998, True, 1, 100.0, 5.0),
        "AG03": (funnel.ABOVE_95, True, 2, 75.0, 2.5),
        "AG04": (funnel.WITHIN, None, 3, 50.0, 0.0),
        "AG05": (funnel.BELOW_998, False, 5, 0.0, -5.0),
    }
    for agency_id, (flag, good, rank, percentile, z) in expected.items():
        row = rows[agency_id]
        assert (row["funnel_flag"], row["funnel_favourable"], row["rank"]) == (flag, good, rank)
        assert row["percentile"] == pytest.approx(percentile)
        assert row["z_score"] == pytest.approx(z)
        assert row["pooled_rate"] == pytest.approx(80.0)
        assert row["funnel_reliable"] is True
    assert (rows["AG01"]["funnel_lower_95"], rows["AG01"]["funnel_upper_95"]) == pytest.approx(
        (72.160144, 87.839856)
    )
    assert (rows["AG01"]["funnel_lower_99_8"], rows["AG01"]["funnel_upper_99_8"]) == pytest.approx(
        (67.639072, 92.360928)
    )
    assert (rows["AG04"]["funnel_lower_95"], rows["AG04"]["funnel_upper_95"]) == pytest.approx(
        (74.456385, 85.543615)
    )
    (period,) = [b for b in tables["benchmarks"] if b["indicator_id"] == "P1"]
    assert period["agencies"] == 5
    assert (period["min"], period["q1"], period["median"], period["q3"], period["max"]) == (
        60.0,
        70.0,
        80.0,
        90.0,
        100.0,
    )
    assert (period["pooled_numerator"], period["pooled_denominator"]) == (480.0, 600.0)
    assert period["pooled_rate"] == pytest.approx(80.0)
    assert (period["outside_95"], period["outside_99_8"]) == (4, 2)
    assert period["dispersion_ratio"] == pytest.approx(12.5)
