"""Rank the indicators most in need of improvement (docs/method.md, "Priorities").

need  = gap points + concern points + assurance points + forecast points
  gap points        3 x min(gap / scale, 1), 0 when the target is met;
                    scale = the larger of |target - baseline| and the process half-width
                    (upper limit - mean), so neither a tiny planned change nor a noisy
                    measure makes a small gap look large
  concern points    2 when the latest point is special cause concern
  assurance points  2 when the process will consistently fail the target
  forecast points   1 when the forecast at the target period misses the target
score = need x weight factor, weight factor = weight / mean weight of the indicators with a
        target, kept within 0.5 to 2 so that weight tilts the order without swamping evidence.

Ties go to key indicators, then the larger need, then the larger normalised gap, then the
indicator id, so the order never depends on the sheet's row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cipms_cli.reports.phrases import number_text

GAP_POINTS = 3.0
CONCERN_POINTS = 2.0
CONSISTENT_FAIL_POINTS = 2.0
FORECAST_MISS_POINTS = 1.0
WEIGHT_FACTOR_MIN, WEIGHT_FACTOR_MAX = 0.5, 2.0
SCORED_STATUSES = {"met", "on_track", "at_risk", "off_track"}


def rank_indicators(indicators: Sequence[Any], wanted: int) -> list[dict[str, Any]]:
    """Every indicator with its ranking evidence, best candidate first.

    ``indicators`` are IndicatorScore objects. ``chosen`` marks the first ``wanted``
    indicators with a need above zero.
    """
    mean_weight = _mean_weight(indicators)
    rows = [_evidence(i, mean_weight) for i in indicators]
    rows.sort(
        key=lambda r: (
            -r["score"],
            not r["key"],
            -r["need"],
            -(r["normalised_gap"] or 0.0),
            r["indicator_id"],
        )
    )
    chosen = 0
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["chosen"] = row["need"] > 0 and chosen < wanted
        chosen += row["chosen"]
    return rows


def _mean_weight(indicators: Sequence[Any]) -> float | None:
    weights = [i.weight for i in indicators if i.status in SCORED_STATUSES]
    total = sum(weights)
    return total / len(weights) if weights and total > 0 else None


def gap_scale(indicator: Any) -> float | None:
    """What a gap is measured against: the planned distance or the process half-width."""
    candidates = []
    baseline, target = indicator.baseline.get("value"), indicator.target.get("value")
    if baseline is not None and target is not None:
        candidates.append(abs(target - baseline))
    if indicator.spc.upl is not None and indicator.spc.mean is not None:
        candidates.append(indicator.spc.upl - indicator.spc.mean)
    scale = max(candidates, default=0.0)
    if scale > 0:
        return scale
    return abs(target) if target else None


def _evidence(indicator: Any, mean_weight: float | None) -> dict[str, Any]:
    gap = indicator.gap
    scale = gap_scale(indicator)
    normalised = gap / scale if gap is not None and scale else None
    gap_points = GAP_POINTS * min(max(normalised or 0.0, 0.0), 1.0)
    concern = CONCERN_POINTS if (indicator.spc.variation or "").startswith("concern") else 0.0
    failing = CONSISTENT_FAIL_POINTS if indicator.spc.assurance == "consistent_fail" else 0.0
    missing = FORECAST_MISS_POINTS if indicator.forecast.get("will_meet_target") is False else 0.0
    need = gap_points + concern + failing + missing
    factor = _weight_factor(indicator.weight, mean_weight)
    return {
        "indicator_id": indicator.indicator_id,
        "name": indicator.name,
        "outcome_id": indicator.outcome_id,
        "key": indicator.key,
        "status": indicator.status,
        "gap": gap,
        "gap_scale": scale,
        "normalised_gap": normalised,
        "gap_points": round(gap_points, 3),
        "concern_points": concern,
        "assurance_points": failing,
        "forecast_points": missing,
        "need": round(need, 3),
        "weight": indicator.weight,
        "weight_factor": round(factor, 3),
        "score": round(need * factor, 3),
        "reasons": _reasons(indicator, normalised, concern, failing, missing),
    }


def _weight_factor(weight: float, mean_weight: float | None) -> float:
    if mean_weight is None:
        return 1.0
    return min(max(weight / mean_weight, WEIGHT_FACTOR_MIN), WEIGHT_FACTOR_MAX)


def _reasons(
    indicator: Any, normalised: float | None, concern: float, failing: float, missing: float
) -> list[str]:
    reasons = []
    if normalised is not None and normalised > 0:
        reasons.append(f"{number_text(indicator.gap)} short of the target")
    if concern:
        reasons.append("special cause concern: a real deterioration")
    if failing:
        reasons.append("the process will consistently miss the target")
    if missing:
        forecast = indicator.forecast
        reasons.append(
            f"the forecast ({number_text(forecast.get('value'))} by {forecast.get('period')}) "
            "misses the target"
        )
    return reasons
