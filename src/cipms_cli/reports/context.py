"""The one context object every report template renders from (docs/report-context.md).

``build_context`` turns a Scorecard and its validated workbook into plain dicts, lists,
strings, numbers, booleans and None, so that a template (shipped or a user's own, in the
sandbox) sees data only, never the library's objects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cipms_cli import __version__
from cipms_cli.engine.actions import action_records
from cipms_cli.reports import challenges
from cipms_cli.reports.models import planning_model
from cipms_cli.reports.phrases import ASSURANCE_GROUP_WORDS, VARIATION_GROUP_WORDS
from cipms_cli.reports.priorities import rank_indicators
from cipms_cli.reports.smart import milestones, smart_check, smart_summary
from cipms_cli.reports.views import indicator_view
from cipms_cli.workbook.sheets import ACTIONS

CONTEXT_SCHEMA = "cipms-report-context/1"
DEFAULT_MODEL = "rba"
DEFAULT_PRIORITIES = 3


def build_context(
    card: Any,
    data: Any,
    settings: Any,
    model: str = DEFAULT_MODEL,
    priorities: int = DEFAULT_PRIORITIES,
) -> dict[str, Any]:
    """``card`` is a Scorecard, ``data`` the WorkbookData it was scored from."""
    chosen_model = planning_model(model)
    as_of = dt.date.fromisoformat(card.as_of) if card.as_of else None
    actions = action_records(getattr(data, "actions", None), as_of)
    views = _views(card, actions, settings)
    outcomes, unlinked = _outcomes(data, views)
    ranking = rank_indicators(card.indicators, priorities)
    by_id = {i.indicator_id: i for i in card.indicators}
    return {
        "schema": CONTEXT_SCHEMA,
        "cipms_version": __version__,
        "source": Path(card.path).name,
        "title": card.agency.get("agency_name") or Path(card.path).stem,
        "agency": dict(card.agency),
        "as_of": card.as_of,
        "headline": _headline(card, views, outcomes),
        "attention": _attention(ranking, views),
        "outcomes": outcomes,
        "unlinked": unlinked,
        "indicators": list(views.values()),
        "actions": actions,
        "learners": card.learners,
        "know_more": challenges.know_more(list(views.values())),
        "plan": _plan(chosen_model, priorities, ranking, views, by_id, as_of, settings),
    }


def _views(card: Any, actions: list[dict[str, Any]], settings: Any) -> dict[str, dict[str, Any]]:
    views = {
        i.indicator_id: indicator_view(
            i,
            [a for a in actions if a["indicator_id"] == i.indicator_id],
            settings.spc.shift_points,
            settings.spc.trend_points,
        )
        for i in card.indicators
    }
    better_off = {v["outcome_id"] for v in views.values() if v["measure_type"] == "better_off"}
    for view in views.values():
        view["challenges"] = challenges.indicator_challenges(view, better_off)
    return views


def _outcomes(
    data: Any, views: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    outcomes = []
    linked: set[str] = set()
    for row in data.outcomes.to_dict("records"):
        members = [v for v in views.values() if v["outcome_id"] == row["outcome_id"]]
        linked.update(v["indicator_id"] for v in members)
        outcome = {
            "outcome_id": row["outcome_id"],
            "statement": row["statement"],
            "population": row.get("population"),
            "owner": row.get("owner"),
            "indicators": members,
        }
        outcome["challenges"] = challenges.outcome_challenges(outcome)
        outcomes.append(outcome)
    unlinked = [v for v in views.values() if v["indicator_id"] not in linked]
    return outcomes, unlinked


def _headline(
    card: Any, views: dict[str, dict[str, Any]], outcomes: list[dict[str, Any]]
) -> dict[str, Any]:
    summary = card.summary
    stars = summary["stars"]
    with_target = sum(1 for v in views.values() if v["target"].get("value") is not None)
    return {
        "score": summary["score"],
        "stars": stars,
        "stars_text": "—" if stars is None else "★" * stars + "☆" * (3 - stars),
        "stars_before_cap": summary["stars_before_cap"],
        "key_failures": list(summary["key_failures"]),
        "indicators": len(views),
        "outcomes": len(outcomes),
        "with_target": with_target,
        "has_targets": with_target > 0,
        "variation": _counts(
            [v["spc"]["variation_group"] for v in views.values()], VARIATION_GROUP_WORDS
        ),
        "assurance": _counts(
            [v["spc"]["assurance"] or "none" for v in views.values()], ASSURANCE_GROUP_WORDS
        ),
        "open_actions": sum(v["open_actions"] for v in views.values()),
        "overdue_actions": sum(v["overdue_actions"] for v in views.values()),
    }


def _counts(codes: list[str], words: dict[str, str]) -> list[dict[str, Any]]:
    """Counts in the fixed order of ``words``, zero counts left out."""
    return [
        {"code": code, "words": text, "count": codes.count(code)}
        for code, text in words.items()
        if codes.count(code)
    ]


def _attention(
    ranking: list[dict[str, Any]], views: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Special cause concern, consistent fail, or off track with a missed forecast."""
    items = []
    for row in ranking:
        view = views[row["indicator_id"]]
        reasons = _attention_reasons(view)
        if reasons:
            items.append(
                {"indicator_id": view["indicator_id"], "name": view["name"], "reasons": reasons}
            )
    return items


def _attention_reasons(view: dict[str, Any]) -> list[str]:
    reasons = []
    if view["spc"]["variation_group"] == "concern":
        reasons.append(view["spc"]["reading"])
    if view["spc"]["assurance"] == "consistent_fail":
        reasons.append(view["spc"]["assurance_words"])
    if view["status"] == "off_track" and view["forecast"].get("will_meet_target") is False:
        reasons.append(f"Off track, and {_lower_first(view['forecast']['words'])}")
    return reasons


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _plan(
    model: Any,
    wanted: int,
    ranking: list[dict[str, Any]],
    views: dict[str, dict[str, Any]],
    by_id: dict[str, Any],
    as_of: dt.date | None,
    settings: Any,
) -> dict[str, Any]:
    fiscal = settings.fiscal_year_start_month
    chosen = [row for row in ranking if row["chosen"]]
    priorities = []
    for number, row in enumerate(chosen, start=1):
        indicator = by_id[row["indicator_id"]]
        tests = smart_check(indicator, as_of, fiscal)
        priorities.append(
            {
                "number": number,
                "rank": row["rank"],
                "score": row["score"],
                "reasons": row["reasons"],
                "indicator": views[row["indicator_id"]],
                "smart": tests,
                "smart_summary": smart_summary(tests),
                "prompts": _prompts(model, indicator),
                "milestones": milestones(indicator, fiscal),
            }
        )
    return {
        "model": {
            "code": model.code,
            "name": model.name,
            "about": model.about,
            "prompts": [_prompt_dict(p) for p in model.prompts],
        },
        "requested": wanted,
        "priorities": priorities,
        "ranking": ranking,
        "situation": _situation(views),
        "action_columns": [
            {"name": c.name, "required": c.required, "description": c.description}
            for c in ACTIONS.columns
        ],
        "statuses": ["not_started", "in_progress", "done", "blocked", "dropped"],
    }


def _prompt_dict(prompt: Any) -> dict[str, str]:
    return {"key": prompt.key, "title": prompt.title, "prompt": prompt.prompt}


def _prompts(model: Any, indicator: Any) -> list[dict[str, str]]:
    prompts = [_prompt_dict(p) for p in model.prompts]
    target = indicator.target
    if model.code == "future-basing" and target.get("period") and target.get("value") is not None:
        prompts[0]["prompt"] = (
            f"It is the end of {target['period']} and {indicator.name} has reached "
            f"{target['value']:g}. " + prompts[0]["prompt"].split(". ", 1)[1]
        )
    return prompts


def _situation(views: dict[str, dict[str, Any]]) -> dict[str, int]:
    all_views = list(views.values())
    return {
        "indicators": len(all_views),
        "with_target": sum(1 for v in all_views if v["target"].get("value") is not None),
        "off_track": sum(1 for v in all_views if v["status"] == "off_track"),
        "at_risk": sum(1 for v in all_views if v["status"] == "at_risk"),
        "concern": sum(1 for v in all_views if v["spc"]["variation_group"] == "concern"),
        "consistent_fail": sum(1 for v in all_views if v["spc"]["assurance"] == "consistent_fail"),
        "forecast_miss": sum(
            1 for v in all_views if v["forecast"].get("will_meet_target") is False
        ),
    }
