"""Challenge questions generated from the data, for scrutiny (docs/method.md).

Scrutiny is of little use when members look at a traffic light and say "red: do
something". These questions challenge the indicator itself, send members to the real data,
and distrust stale or dubious figures. Each rule looks at one indicator view (or one
outcome) and returns ``{code, question, evidence}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cipms_cli.reports.phrases import STATUS_WORDS

STANDING_QUESTION = "And that's good for the public because…?"
Challenge = dict[str, Any]


def _challenge(code: str, question: str, evidence: str) -> Challenge:
    return {"code": code, "question": question, "evidence": evidence}


def _flag(view: dict[str, Any], code: str) -> dict[str, str] | None:
    return next((f for f in view["data_quality"] if f["code"] == code), None)


def output_only(view: dict[str, Any], better_off_outcomes: set[str]) -> Challenge | None:
    if view["measure_type"] != "how_much" or not view["outcome_statement"]:
        return None
    if view["outcome_id"] in better_off_outcomes:
        return None
    return _challenge(
        "output-only",
        "This counts activity. How would we know that the people served are better off?",
        f"a how-much measure, and outcome {view['outcome_id']} has no better-off measure",
    )


def no_outcome(view: dict[str, Any]) -> Challenge | None:
    if view["outcome_statement"] and not _flag(view, "no-outcome"):
        return None
    return _challenge(
        "no-outcome",
        "Which outcome for the public does this indicator evidence? If none, why collect it?",
        "the indicator is tied to no outcome statement",
    )


def always_met(view: dict[str, Any]) -> Challenge | None:
    target, direction = view["target"].get("value"), view["direction"]
    values = [p["value"] for p in view["series"] if p["value"] is not None]
    if target is None or direction == "neutral" or len(values) < 3:
        return None
    met = all(v >= target if direction == "increase" else v <= target for v in values)
    if not met:
        return None
    return _challenge(
        "target-always-met",
        "The target was met in every period: is it stretching enough?",
        f"all {len(values)} figures meet the target of {target:g}",
    )


def consistent_pass(view: dict[str, Any]) -> Challenge | None:
    if view["spc"]["assurance"] != "consistent_pass":
        return None
    return _challenge(
        "target-not-stretching",
        "The process will meet this target by chance alone: what would a stretching target be?",
        "the target lies outside the process limits on the good side",
    )


def small_denominator(view: dict[str, Any]) -> Challenge | None:
    flag = _flag(view, "small-denominator")
    if flag is None:
        return None
    return _challenge(
        "small-denominator",
        "Is the number of people behind this figure too small to judge? Would a figure over "
        "several periods be steadier?",
        flag["message"],
    )


def stale(view: dict[str, Any]) -> Challenge | None:
    flag = _flag(view, "stale-data")
    if flag is None:
        return None
    return _challenge(
        "stale-data",
        "Why are the figures late, and what has happened since the latest one?",
        flag["message"],
    )


def status_hides_concern(view: dict[str, Any]) -> Challenge | None:
    if view["status"] not in {"met", "on_track"} or view["spc"]["variation_group"] != "concern":
        return None
    return _challenge(
        "status-hides-concern",
        f"The status says {STATUS_WORDS[view['status']]}, but the chart shows a real "
        "deterioration: which do we believe, and what has changed?",
        "special cause concern in the latest points",
    )


def on_track_but_failing(view: dict[str, Any]) -> Challenge | None:
    if view["status"] not in {"met", "on_track"} or view["spc"]["assurance"] != "consistent_fail":
        return None
    return _challenge(
        "on-track-but-failing",
        f"The status says {STATUS_WORDS[view['status']]}, yet the process limits say the "
        "target will be missed consistently unless the process changes: what will change?",
        "the target lies beyond the process limits on the wrong side",
    )


def stable_but_off_track(view: dict[str, Any]) -> Challenge | None:
    if view["status"] != "off_track" or view["spc"]["variation_group"] != "common_cause":
        return None
    return _challenge(
        "stable-but-off-track",
        "The process is stable and off track: more effort will not move it, only a change to "
        "the process will. What is the change?",
        "common cause variation only, and off track",
    )


def special_cause(view: dict[str, Any]) -> Challenge | None:
    group = view["spc"]["variation_group"]
    if group == "concern":
        question = "What caused the deterioration? Has anyone looked at the cases behind it?"
    elif group == "improvement":
        question = "What caused the improvement, and how will it be kept and spread?"
    else:
        return None
    return _challenge("special-cause", question, f"special cause {group} in the latest points")


def outliers(view: dict[str, Any]) -> Challenge | None:
    flag = _flag(view, "special-cause-outlier")
    if flag is None:
        return None
    periods = flag["message"].split(" outside the process limits")[0]
    return _challenge(
        "outlier",
        "Are the figures outside the limits right, and what caused them?",
        f"outside the limits: {periods}",
    )


def trial_limits(view: dict[str, Any]) -> Challenge | None:
    if not view["spc"]["trial_limits"]:
        return None
    flag = _flag(view, "trial-limits")
    return _challenge(
        "trial-limits",
        "The process limits rest on few points: how much weight can this reading bear?",
        flag["message"] if flag else "the limits are trial limits",
    )


def no_target(view: dict[str, Any]) -> Challenge | None:
    if view["status"] != "no_target":
        return None
    return _challenge(
        "no-target",
        "There is no target: what would good look like, and by when?",
        "the indicator has no target value",
    )


def missing_periods(view: dict[str, Any]) -> Challenge | None:
    flag = _flag(view, "missing-periods")
    if flag is None:
        return None
    return _challenge(
        "missing-periods",
        "Why are figures missing, and could the gap hide a change?",
        flag["message"],
    )


def overdue_actions(view: dict[str, Any]) -> Challenge | None:
    if not view["overdue_actions"]:
        return None
    late = [a["action_id"] for a in view["actions"] if a["overdue"]]
    return _challenge(
        "overdue-action",
        "An action meant to improve this is overdue: what is holding it up, and is it still "
        "the right action?",
        f"overdue: {', '.join(late)}",
    )


def nothing_planned(view: dict[str, Any]) -> Challenge | None:
    needs_action = (
        view["spc"]["variation_group"] == "concern" or view["spc"]["assurance"] == "consistent_fail"
    )
    if not needs_action or view["open_actions"]:
        return None
    return _challenge(
        "no-action",
        "What is being done about it? No open action names this indicator.",
        "special cause concern or a target the process will consistently miss",
    )


INDICATOR_RULES: tuple[Callable[[dict[str, Any]], Challenge | None], ...] = (
    no_outcome,
    status_hides_concern,
    on_track_but_failing,
    stable_but_off_track,
    special_cause,
    always_met,
    consistent_pass,
    no_target,
    small_denominator,
    stale,
    missing_periods,
    outliers,
    trial_limits,
    overdue_actions,
    nothing_planned,
)


def indicator_challenges(view: dict[str, Any], better_off_outcomes: set[str]) -> list[Challenge]:
    found = [output_only(view, better_off_outcomes), *(rule(view) for rule in INDICATOR_RULES)]
    return [c for c in found if c is not None]


def outcome_challenges(outcome: dict[str, Any]) -> list[Challenge]:
    challenges = [
        _challenge(
            "standing",
            STANDING_QUESTION,
            "ask it of every measure under this outcome before discussing its colour",
        )
    ]
    if not outcome["indicators"]:
        challenges.append(
            _challenge(
                "outcome-without-indicator",
                "Nothing measures this outcome: what evidence would show it is being achieved?",
                "no indicator is linked to the outcome",
            )
        )
    elif not any(v["measure_type"] == "better_off" for v in outcome["indicators"]):
        challenges.append(
            _challenge(
                "no-better-off-measure",
                "Every measure here counts or rates the service: is anyone better off?",
                "no better-off measure is linked to the outcome",
            )
        )
    return challenges


KNOW_MORE = {
    "stale-data": "Up-to-date figures: the latest returns are late for {ids}.",
    "missing-periods": "The missing periods for {ids}: a gap can hide a change.",
    "small-denominator": "Whether the changes in {ids} are real: the numbers of people are "
    "small; ask for figures over several periods.",
    "trial-limits": "A longer series for {ids} before trusting the process limits.",
    "special-cause-outlier": "What happened in the periods outside the limits for {ids}: "
    "check the figures first, then the causes.",
    "output-only": "Whether the people served are better off, for {ids}: only activity is "
    "counted under their outcomes.",
    "no-target": "What good looks like for {ids}: there is no target.",
    "no-outcome": "Which outcome {ids} serve: they are tied to no outcome.",
    "special-cause": "The causes behind the signals in {ids}: what changed, and will it last?",
    "no-data": "Figures for {ids}: there are none up to the as-of date.",
    "baseline-not-found": "The baselines of {ids}: no figure at the baseline period.",
    "overdue-action": "Why the actions for {ids} are overdue, and what they have changed so far.",
    "no-action": "What is planned for {ids}: nothing in the action plan names them.",
}
STANDING_KNOW_MORE = (
    "What the people served say: complaints, compliments, feedback and case reviews tell "
    "what the figures cannot."
)


def know_more(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The closing list: what else to ask for, drawn from the flags and challenges."""
    by_code: dict[str, list[str]] = {}
    for view in views:
        codes = [f["code"] for f in view["data_quality"]] + [c["code"] for c in view["challenges"]]
        for code in dict.fromkeys(codes):
            by_code.setdefault(code, []).append(view["indicator_id"])
    items: list[dict[str, Any]] = [
        {"topic": code, "text": KNOW_MORE[code].format(ids=", ".join(ids)), "indicators": ids}
        for code, ids in by_code.items()
        if code in KNOW_MORE
    ]
    order = list(KNOW_MORE)
    items.sort(key=lambda item: order.index(item["topic"]))
    items.append({"topic": "people", "text": STANDING_KNOW_MORE, "indicators": []})
    return items
