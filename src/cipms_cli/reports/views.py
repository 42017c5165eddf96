"""One indicator as the report templates see it: plain dicts, numbers and words."""

from __future__ import annotations

from typing import Any

from cipms_cli.engine.score import point_values
from cipms_cli.output.sparkline import sparkline
from cipms_cli.reports.phrases import (
    DIRECTION_WORDS,
    MEASURE_TYPE_WORDS,
    STATUS_WORDS,
    describe_assurance,
    describe_variation,
    number_text,
    spc_reading,
    variation_group,
)
from cipms_cli.reports.smart import PERIOD_NOUN


def indicator_view(
    indicator: Any, actions: list[dict[str, Any]], shift_points: int, trend_points: int
) -> dict[str, Any]:
    """``indicator`` is an IndicatorScore; ``actions`` are its action records (all statuses)."""
    i = indicator
    spc = i.spc
    return {
        "indicator_id": i.indicator_id,
        "name": i.name,
        "outcome_id": i.outcome_id,
        "outcome_statement": i.outcome_statement,
        "measure_type": i.measure_type,
        "measure_words": MEASURE_TYPE_WORDS.get(i.measure_type or "", "not given"),
        "direction": i.direction,
        "direction_words": DIRECTION_WORDS.get(i.direction, i.direction),
        "unit": i.unit,
        "frequency": i.frequency,
        "period_noun": PERIOD_NOUN.get(i.frequency, "period"),
        "owner": i.owner,
        "key": i.key,
        "weight": i.weight,
        "baseline": dict(i.baseline),
        "latest": dict(i.latest),
        "target": dict(i.target),
        "gap": i.gap,
        "progress": i.progress,
        "status": i.status,
        "status_words": STATUS_WORDS.get(i.status or "", "no preferred direction"),
        "forecast": {**i.forecast, "words": curve_words(i)},
        "spc": {
            "mean": spc.mean,
            "lpl": spc.lpl,
            "upl": spc.upl,
            "variation": spc.variation,
            "variation_group": variation_group(spc.variation),
            "variation_words": describe_variation(spc.variation),
            "assurance": spc.assurance,
            "assurance_words": describe_assurance(spc.assurance),
            "trial_limits": spc.trial_limits,
            "reading": spc_reading(spc.points, shift_points, trend_points),
        },
        "series": series(i),
        "sparkline": sparkline(point_values(spc)),
        "data_quality": [dict(f) for f in i.data_quality],
        "actions": actions,
        "open_actions": sum(1 for a in actions if a["open"]),
        "overdue_actions": sum(1 for a in actions if a["overdue"]),
        "attribution": attribution_words(i, shift_points),
        "challenges": [],  # filled in by reports/challenges.py
    }


def series(indicator: Any) -> list[dict[str, Any]]:
    target = indicator.target.get("value")
    return [
        {
            "period": p.period,
            "value": p.value,
            "mean": p.mean,
            "lpl": p.lpl,
            "upl": p.upl,
            "target": target,
            "point_type": p.point_type,
            "rule": p.rule,
        }
        for p in indicator.spc.points
    ]


def curve_words(indicator: Any) -> str:
    """The RBA baseline with forecast: where the curve goes if nothing changes."""
    forecast = indicator.forecast
    value, period = forecast.get("value"), forecast.get("period")
    if value is None or period is None:
        return "Too few recent points for a forecast."
    noun = PERIOD_NOUN.get(indicator.frequency, "period")
    slope = forecast.get("slope_per_period") or 0.0
    head = (
        f"If nothing changes, the recent trend ({slope:+,.2f} a {noun}) reaches "
        f"{number_text(value)} by {period}"
    )
    target = indicator.target.get("value")
    will_meet = forecast.get("will_meet_target")
    if target is None or will_meet is None:
        return head + "."
    if will_meet:
        return f"{head}, meeting the target of {number_text(target)}: keep the gains and watch."
    return (
        f"{head}, missing the target of {number_text(target)} by "
        f"{number_text(abs(target - value))}: this is the curve to turn."
    )


def attribution_words(indicator: Any, shift_points: int) -> str:
    """How to tell an action's effect from noise on this indicator's chart."""
    spc = indicator.spc
    if spc.mean is None or spc.upl is None or spc.lpl is None:
        return (
            "There are too few points for process limits yet: record each action's start "
            "date and keep collecting figures, so its effect can later be told from noise."
        )
    if indicator.direction == "decrease":
        side, limit, where = "below", spc.lpl, "under the lower"
    elif indicator.direction == "increase":
        side, limit, where = "above", spc.upl, "over the upper"
    else:
        return (
            "The indicator has no preferred direction; agree which way the action should "
            "move it before judging its effect."
        )
    return (
        f"Record each action's start date. After it, {shift_points} points in a row "
        f"{side} the average ({number_text(spc.mean)}), or one point {where} process "
        f"limit ({number_text(limit)}), is a signal the process has changed: then add the "
        "period to rebase_periods so the limits restart. Anything inside the limits may be "
        "chance. Where a similar group was not reached by the action, compare the two."
    )
