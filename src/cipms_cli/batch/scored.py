"""Merge one agency's returns, score it, and keep only what the batch tables need.

Both run in the worker that scores the agency, so that the main process only forwards
the returns' tidy rows. A full Scorecard holds every SPC point of every indicator; a
national batch needs only one row per indicator and the agency's composite, so the card
is reduced there too and the rest never reaches the main process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cipms_cli.batch.combine import AgencyReturns, BatchProblem, CombinedAgency, combine_agency

LSA_PREFIX = "lsa_"
LSA_SKIPPED = {"small_n_threshold", "levels_from"}


@dataclass
class AgencyScore:
    as_of: str | None
    summary: dict[str, Any]  # the Scorecard's summary: score, stars, key_failures, counts
    indicators: list[dict[str, Any]]  # one row per indicator, as `cipms score --format csv`
    learners: dict[str, Any]  # lsa_* figures; empty without learner sheets


@dataclass
class ScoredAgency:
    agency: CombinedAgency  # merged, its workbook and extras released
    problems: list[BatchProblem]  # found while merging its returns
    as_of: dt.date | None
    score: AgencyScore | None
    failure: str | None  # why it could not be scored, when score is None


ScoreTask = tuple[AgencyReturns, str | None]  # (the agency's returns, --as-of as given)


def score_agency(task: ScoreTask) -> ScoredAgency:
    """Merge and score one agency; a scoring failure is reported, not raised."""
    from cipms_cli.engine.score import score_workbook

    returns, as_of_text = task
    agency, problems = combine_agency(returns)
    as_of = agency_as_of(agency, as_of_text)
    score: AgencyScore | None = None
    failure: str | None = None
    try:
        data = agency.unpacked()
        card = score_workbook(data, as_of, data.settings)
    except Exception as exc:  # one agency's odd data must not lose the others' scores
        failure = f"{type(exc).__name__}: {exc}"
    else:
        score = reduce_scorecard(card)
    agency.release()
    return ScoredAgency(agency, problems, as_of, score, failure)


def agency_as_of(agency: CombinedAgency, as_of: str | None) -> dt.date | None:
    """``--as-of`` if given; else the latest return's reporting period; else its latest figure
    (the same rule as ``cipms score``)."""
    from cipms_cli.workbook.as_of import resolve_as_of

    data = agency.data
    return resolve_as_of(as_of, data.agency, data.results, data.settings.fiscal_year_start_month)


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
