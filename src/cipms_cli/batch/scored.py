"""Score one combined agency and keep only what the batch tables need.

A full Scorecard holds every SPC point of every indicator; a national batch needs only
one row per indicator and the agency's composite, so the card is reduced in the
worker that scored it and the rest never reaches the main process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

LSA_PREFIX = "lsa_"
LSA_SKIPPED = {"small_n_threshold", "levels_from"}


@dataclass
class AgencyScore:
    as_of: str | None
    summary: dict[str, Any]  # the Scorecard's summary: score, stars, key_failures, counts
    indicators: list[dict[str, Any]]  # one row per indicator, as `cipms score --format csv`
    learners: dict[str, Any]  # lsa_* figures; empty without learner sheets


ScoreTask = tuple[Any, dt.date | None]  # (combine.PackedAgency, as-of date)


def score_agency(task: ScoreTask) -> tuple[AgencyScore | None, str | None]:
    """The reduced score of one combined agency, or why it could not be scored."""
    from cipms_cli.engine.score import score_workbook

    packed, as_of = task
    try:
        data = packed.unpacked()
        card = score_workbook(data, as_of, data.settings)
    except Exception as exc:  # one agency's odd data must not lose the others' scores
        return None, f"{type(exc).__name__}: {exc}"
    return reduce_scorecard(card), None


def reduce_scorecard(card: Any) -> AgencyScore:
    from cipms_cli.output.scorecard import scorecard_rows

    rows = []
    for indicator, row in zip(card.indicators, scorecard_rows(card), strict=True):
        row.update(
            key=indicator.key,
            weight=indicator.weight,
            n_periods=len(indicator.spc.points),
        )
        rows.append(row)
    return AgencyScore(card.as_of, card.summary, rows, lsa_figures(card))


def lsa_figures(card: Any) -> dict[str, Any]:
    """Agency-level learner figures, when the scorecard has a ``learners`` section.

    Counts and shares for all learners are carried as ``lsa_<name>``; a share whose
    denominator is below the privacy threshold (``small_n``) is left empty, as the
    agency's own reports suppress it. Breakdowns by goal path and domain stay in the
    agency's ``cipms score`` output.
    """
    learners = getattr(card, "learners", None)
    if not isinstance(learners, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in learners.items():
        if isinstance(value, bool) or key in LSA_SKIPPED:
            continue
        if isinstance(value, int | float | str):
            out[f"{LSA_PREFIX}{key}"] = value
        elif isinstance(value, dict) and "value" in value:
            out[f"{LSA_PREFIX}{key}"] = None if value.get("small_n") else value["value"]
        elif isinstance(value, dict) and "period" in value:
            out[f"{LSA_PREFIX}{key}"] = value["period"]
    return out
