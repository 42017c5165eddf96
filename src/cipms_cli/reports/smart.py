"""The SMART check of a priority's target (docs/method.md, "SMART check").

Achievable compares the change the target needs with what the recent trend would deliver
and with the process's own variation:

- shortfall = how far the forecast (the least-squares line through the recent points, read
  at the target period; engine/forecast.py) falls short of the target, in the good
  direction; without a forecast, the whole gap;
- shortfall <= 0: **realistic**, the recent trend alone gets there;
- shortfall <= 2.66 x mean moving range (the distance from the average to a process limit):
  **stretching**, a process change of that size is plausible;
- larger: **unrealistic**, it needs a shift bigger than the whole current spread from
  average to limit, beyond the trend; re-set the target or plan a redesign.

A target already met, or one the process will consistently pass, is achievable but may not
be stretching.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cipms_cli.engine.spc import LIMIT_FACTOR
from cipms_cli.periods import Frequency, Period, PeriodError, parse_period
from cipms_cli.reports.phrases import number_text

ACHIEVABLE_MR_MULTIPLE = LIMIT_FACTOR
PERIOD_NOUN = {"monthly": "month", "quarterly": "quarter", "annual": "year"}
MAX_MILESTONES = 12


def period_of(label: str | None, frequency: str, fiscal_start: int) -> Period | None:
    if label is None:
        return None
    try:
        return parse_period(label, Frequency(frequency), fiscal_start)
    except (PeriodError, ValueError):
        return None


def periods_left(indicator: Any, fiscal_start: int) -> int | None:
    """Periods from the latest figure to the target period."""
    latest = period_of(indicator.latest.get("period"), indicator.frequency, fiscal_start)
    target = period_of(indicator.target.get("period"), indicator.frequency, fiscal_start)
    if latest is None or target is None:
        return None
    return target - latest


def smart_check(indicator: Any, as_of: dt.date | None, fiscal_start: int) -> list[dict[str, Any]]:
    """Five tests, each ``{test, result: pass|fail|unknown, verdict, why}``."""
    return [
        _specific(indicator),
        _measurable(indicator),
        _achievable(indicator, periods_left(indicator, fiscal_start)),
        _relevant(indicator),
        _time_bound(indicator, as_of, fiscal_start),
    ]


def smart_summary(tests: list[dict[str, Any]]) -> str:
    marks = {"pass": "✔", "fail": "✘", "unknown": "?"}
    return " ".join(f"{t['test'][0]}{marks[t['result']]}" for t in tests)


def _test(test: str, result: str, verdict: str, why: str) -> dict[str, Any]:
    return {"test": test, "result": result, "verdict": verdict, "why": why}


def _specific(i: Any) -> dict[str, Any]:
    if not i.outcome_statement:
        return _test("Specific", "fail", "not specific", "the indicator is tied to no outcome")
    if i.direction == "neutral":
        return _test(
            "Specific",
            "fail",
            "not specific",
            "the indicator has no preferred direction, so 'better' is not defined",
        )
    return _test(
        "Specific",
        "pass",
        "specific",
        f"a named indicator ({i.name}, {_direction(i)}) tied to outcome {i.outcome_id}",
    )


def _measurable(i: Any) -> dict[str, Any]:
    baseline, target = i.baseline.get("value"), i.target.get("value")
    if target is None:
        return _test("Measurable", "fail", "not measurable", "there is no numeric target")
    if baseline is None:
        return _test("Measurable", "fail", "not measurable", "there is no numeric baseline")
    return _test(
        "Measurable",
        "pass",
        "measurable",
        f"baseline {number_text(baseline)} ({i.baseline.get('period')}) and target "
        f"{number_text(target)} are numbers",
    )


def _achievable(i: Any, left: int | None) -> dict[str, Any]:
    gap = i.gap
    if gap is None:
        return _test("Achievable", "unknown", "cannot judge", "there is no gap to judge")
    if gap <= 0:
        return _test(
            "Achievable",
            "pass",
            "already met",
            "the latest value already meets the target; is it stretching enough?",
        )
    if i.spc.assurance == "consistent_pass":
        return _test(
            "Achievable",
            "pass",
            "not stretching",
            "the process limits lie wholly on the good side of the target",
        )
    if not left or left <= 0:
        return _test(
            "Achievable", "unknown", "cannot judge", "no periods are left before the target"
        )
    return _rate_test(i, gap, left)


def _rate_test(i: Any, gap: float, left: int) -> dict[str, Any]:
    noun = PERIOD_NOUN.get(i.frequency, "period")
    needs = (
        f"the target needs an improvement of {number_text(gap / left, 2)} a {noun} for "
        f"{plural(left, noun)}"
    )
    shortfall, trend = _shortfall(i, gap)
    if shortfall <= 0:
        return _test("Achievable", "pass", "realistic", f"{needs}; {trend}: the trend gets there")
    beyond = f"{needs}; {trend}, {number_text(shortfall, 2)} short"
    limit_distance = _limit_distance(i)
    if limit_distance is None:
        return _test(
            "Achievable", "unknown", "cannot judge", f"{beyond}; too few points for limits"
        )
    if shortfall <= limit_distance:
        return _test(
            "Achievable",
            "pass",
            "stretching",
            f"{beyond}, within the distance from the average to a process limit "
            f"({number_text(limit_distance, 2)}): a process change of that size is plausible",
        )
    return _test(
        "Achievable",
        "fail",
        "unrealistic",
        f"{beyond}, more than the distance from the average to a process limit "
        f"({number_text(limit_distance, 2)}): re-set the target or plan a redesign",
    )


def _shortfall(i: Any, gap: float) -> tuple[float, str]:
    """What the recent trend line leaves undone at the target period, and how to say so."""
    forecast, period = i.forecast.get("value"), i.forecast.get("period")
    if forecast is None:
        return gap, "there is no trend line (fewer than 3 points)"
    sign = -1.0 if i.direction == "decrease" else 1.0
    noun = PERIOD_NOUN.get(i.frequency, "period")
    slope = i.forecast.get("slope_per_period") or 0.0
    words = (
        f"the recent trend line ({slope:+,.2f} a {noun}) reaches {number_text(forecast)} "
        f"by {period}"
    )
    return (i.target["value"] - forecast) * sign, words


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _limit_distance(i: Any) -> float | None:
    """ACHIEVABLE_MR_MULTIPLE x the mean moving range, which is upper limit - mean."""
    if i.spc.upl is None or i.spc.mean is None or i.spc.upl <= i.spc.mean:
        return None
    mean_moving_range = (i.spc.upl - i.spc.mean) / LIMIT_FACTOR
    return float(ACHIEVABLE_MR_MULTIPLE * mean_moving_range)


def _relevant(i: Any) -> dict[str, Any]:
    if not i.outcome_statement:
        return _test(
            "Relevant", "fail", "not relevant", "it is linked to no outcome for the public"
        )
    why = f"it evidences outcome {i.outcome_id}: {i.outcome_statement}"
    if i.measure_type == "how_much":
        why += " (a how-much measure: it counts activity, not whether anyone is better off)"
    return _test("Relevant", "pass", "relevant", why)


def _time_bound(i: Any, as_of: dt.date | None, fiscal_start: int) -> dict[str, Any]:
    target = period_of(i.target.get("period"), i.frequency, fiscal_start)
    if target is None:
        return _test("Time-bound", "fail", "no date", "the target has no target period")
    latest = period_of(i.latest.get("period"), i.frequency, fiscal_start)
    reference = as_of or (latest.end if latest else None)
    if reference is not None and target.end <= reference:
        return _test(
            "Time-bound",
            "fail",
            "date passed",
            f"the target period {target.label} ended on or before {reference}; set a new date",
        )
    left = target - latest if latest is not None else None
    after = (
        f", {plural(left, PERIOD_NOUN.get(i.frequency, 'period'))} after the latest figure "
        f"({latest.label})"
        if latest is not None and left is not None
        else ""
    )
    return _test("Time-bound", "pass", "time-bound", f"due {target.label}{after}")


def _direction(i: Any) -> str:
    return {"increase": "higher is better", "decrease": "lower is better"}.get(
        i.direction, "no preferred direction"
    )


def milestones(indicator: Any, fiscal_start: int) -> list[dict[str, Any]]:
    """Values on the straight line from the latest figure to the target, latest period last.

    Listed from the target period backwards, at most MAX_MILESTONES of them.
    """
    latest = period_of(indicator.latest.get("period"), indicator.frequency, fiscal_start)
    target = period_of(indicator.target.get("period"), indicator.frequency, fiscal_start)
    start, goal = indicator.latest.get("value"), indicator.target.get("value")
    if latest is None or target is None or start is None or goal is None:
        return []
    left = target - latest
    if left <= 0:
        return []
    step = -(-left // MAX_MILESTONES)
    return [
        {"period": latest.shift(k).label, "value": start + (goal - start) * k / left}
        for k in range(left, 0, -step)
    ]
