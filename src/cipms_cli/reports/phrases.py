"""Plain-words readings of SPC icons, shared by the terminal, Markdown and Excel outputs."""

from __future__ import annotations

import itertools
from typing import Any

VARIATION_WORDS = {
    "common_cause": "Common cause variation only: no signal that the process has changed; "
    "reacting to single points would be tampering.",
    "improvement_high": "Special cause variation, improving (higher): a real change, not noise.",
    "improvement_low": "Special cause variation, improving (lower): a real change, not noise.",
    "concern_high": "Special cause variation of concern (higher): a real deterioration, "
    "investigate the cause.",
    "concern_low": "Special cause variation of concern (lower): a real deterioration, "
    "investigate the cause.",
    "neutral_high": "Special cause variation (higher): a real change in a measure with no "
    "preferred direction.",
    "neutral_low": "Special cause variation (lower): a real change in a measure with no "
    "preferred direction.",
}

ASSURANCE_WORDS = {
    "consistent_pass": "The target lies outside the process limits on the good side: the "
    "process will consistently meet it.",
    "consistent_fail": "The target lies outside the process limits on the wrong side: the "
    "process will consistently miss it unless it changes.",
    "inconsistent": "The target lies within the process limits: it will be met some periods "
    "and missed in others, by chance alone.",
}

RULE_WORDS = {
    "outside_limits": "a point outside the process limits",
    "trend": "a run of points all rising or all falling",
    "two_of_three": "two of three points close to a limit",
    "shift": "a run of points all on one side of the average",
}


def describe_variation(variation: str | None, direction: str = "neutral") -> str:
    if variation is None:
        return "Too few points to judge the variation."
    return VARIATION_WORDS.get(variation, variation.replace("_", " "))


def describe_assurance(assurance: str | None) -> str:
    if assurance is None:
        return "No assurance reading (no target, or no preferred direction)."
    return ASSURANCE_WORDS.get(assurance, assurance.replace("_", " "))


# --- words for reports (cipms plan, cipms report) -------------------------------------------

STATUS_WORDS = {
    "met": "target met",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "no_target": "no target",
    "no_data": "no data",
}

MEASURE_TYPE_WORDS = {
    "how_much": "How much did we do?",
    "how_well": "How well did we do it?",
    "better_off": "Is anyone better off?",
}

DIRECTION_WORDS = {
    "increase": "higher is better",
    "decrease": "lower is better",
    "neutral": "no preferred direction",
}

# The variation icons grouped as the headline counts them (not by RAG colour).
VARIATION_GROUPS = {
    "improvement_high": "improvement",
    "improvement_low": "improvement",
    "concern_high": "concern",
    "concern_low": "concern",
    "neutral_high": "neutral",
    "neutral_low": "neutral",
    "common_cause": "common_cause",
}
VARIATION_GROUP_WORDS = {
    "improvement": "Special cause improvement: a real change for the better",
    "concern": "Special cause concern: a real change for the worse",
    "neutral": "Special cause, no preferred direction: a real change",
    "common_cause": "Common cause only: no signal of change",
    "none": "Too few points to chart",
}
ASSURANCE_GROUP_WORDS = {
    "consistent_pass": "Will consistently meet the target",
    "inconsistent": "Will meet the target in some periods and miss it in others",
    "consistent_fail": "Will consistently miss the target unless the process changes",
    "none": "No assurance reading (no target, no limits or no preferred direction)",
}


def variation_group(variation: str | None) -> str:
    return VARIATION_GROUPS.get(variation or "", "none")


def number_text(value: float | None, digits: int = 1) -> str:
    """A figure for prose: thousands separators, no decimals for whole numbers."""
    if value is None or value != value:
        return "—"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


_SIDE_WORDS = {1: "above", -1: "below"}
_MEANING = {
    "special_cause_improvement": "a real improvement, not noise",
    "special_cause_concern": "a real deterioration, not noise; find the cause before acting",
    "special_cause_neutral_high": "a real change, not noise",
    "special_cause_neutral_low": "a real change, not noise",
}


def spc_reading(points: list[Any], shift_points: int = 7, trend_points: int = 7) -> str:
    """What the latest stretch of an XmR chart says, in plain words.

    ``points`` carry ``period``, ``value``, ``mean``, ``lpl``, ``upl``, ``point_type`` and
    ``rule`` (engine/score.py SpcPointOut). The reading follows the rule and point type
    of the latest point; every run that reaches its rule's length is named.
    """
    valid = [p for p in points if p.value is not None]
    if len(valid) < 2 or valid[-1].mean is None:
        return "Too few points to read the chart."
    last = valid[-1]
    if last.rule is None:
        return _common_cause_reading(last)
    facts = _signal_facts(valid, shift_points, trend_points)
    meaning = _MEANING.get(last.point_type or "", "a real change, not noise")
    sentence = _join(facts)
    return f"{sentence[:1].upper()}{sentence[1:]}: {meaning}."


def _common_cause_reading(last: Any) -> str:
    limits = ""
    if last.lpl is not None and last.upl is not None:
        limits = f" between the process limits ({number_text(last.lpl)} to {number_text(last.upl)})"
    return (
        f"The latest value ({number_text(last.value)}, {last.period}) lies{limits}, and no run, "
        f"trend or cluster near a limit is under way: common cause variation, the noise this "
        f"process always shows around its average of {number_text(last.mean)}."
    )


def _signal_facts(valid: list[Any], shift_points: int, trend_points: int) -> list[str]:
    facts = []
    beyond = _run_at_end(valid, _beyond_limit)
    if beyond:
        side = _beyond_limit(valid[-1])
        limit = valid[-1].upl if side == 1 else valid[-1].lpl
        where = "upper" if side == 1 else "lower"
        facts.append(
            f"{_points(beyond, valid[-1].period)} {_SIDE_WORDS[side]} the {where} process "
            f"limit ({number_text(limit)})"
        )
    trend = _trend_at_end(valid)
    if trend and trend[0] >= trend_points:
        facts.append(
            f"the last {trend[0]} points have each {'risen' if trend[1] > 0 else 'fallen'}"
        )
    side_run = _run_at_end(valid, _side_of_mean)
    if side_run >= shift_points:
        side = _side_of_mean(valid[-1])
        facts.append(
            f"the last {side_run} points are all {_SIDE_WORDS[side]} the average "
            f"({number_text(valid[-1].mean)})"
        )
    if not facts and valid[-1].rule == "two_of_three":
        side = _side_of_mean(valid[-1])
        facts.append(
            f"two of the last three points are close to the {'upper' if side == 1 else 'lower'} "
            "process limit"
        )
    return facts or [f"the latest point ({valid[-1].period}) signals a change"]


def _points(n: int, period: str) -> str:
    return f"the latest point ({period}) is" if n == 1 else f"the last {n} points are all"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _side_of_mean(point: Any) -> int:
    if point.value is None or point.mean is None or point.value == point.mean:
        return 0
    return 1 if point.value > point.mean else -1


def _beyond_limit(point: Any) -> int:
    if point.value is None or point.upl is None or point.lpl is None:
        return 0
    if point.value > point.upl:
        return 1
    return -1 if point.value < point.lpl else 0


def _run_at_end(valid: list[Any], side_of: Any) -> int:
    """How many of the latest points share the latest point's (non-zero) side."""
    side = side_of(valid[-1])
    if side == 0:
        return 0
    n = 0
    for point in reversed(valid):
        if side_of(point) != side:
            break
        n += 1
    return n


def _trend_at_end(valid: list[Any]) -> tuple[int, int] | None:
    """(points, direction) of the strictly rising or falling run that ends at the latest point."""
    steps = [b.value - a.value for a, b in itertools.pairwise(valid)]
    if not steps or steps[-1] == 0:
        return None
    direction = 1 if steps[-1] > 0 else -1
    n = 1
    for step in reversed(steps):
        if step * direction <= 0:
            break
        n += 1
    return n, direction
