"""Merge one agency's returns, score it, and keep only what the batch tables need.

All of it runs in the worker that scores the agency, so that the main process only
forwards the returns' tidy rows. A full Scorecard holds every SPC point of every
indicator; a national batch needs only one row per indicator and the agency's composite,
so the card is reduced there to the agency's rows of the tables (``agency_rows``) and its
figures to compact arrays for the benchmarks (``observations``), and the rest never
reaches the main process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cipms_cli.batch.agency_rows import (
    AgencyFacts,
    AgencyRows,
    Rows,
    results_records,
    scores_records,
)
from cipms_cli.batch.columns import RESULTS_COLUMNS, SCORES_COLUMNS
from cipms_cli.batch.combine import AgencyReturns, BatchProblem, CombinedAgency, combine_agency
from cipms_cli.batch.observations import AgencyObservations, agency_observations

LSA_PREFIX = "lsa_"
LSA_SKIPPED = {"small_n_threshold", "levels_from"}


@dataclass
class AgencyScore:
    as_of: str | None
    summary: dict[str, Any]  # the Scorecard's summary: score, stars, key_failures, counts
    learners: dict[str, Any]  # lsa_* figures; empty without learner sheets


@dataclass
class ScoredAgency:
    agency: AgencyFacts
    problems: list[BatchProblem]  # found while merging its returns
    as_of: dt.date | None
    score: AgencyScore | None
    failure: str | None  # why it could not be scored, when score is None
    rows: AgencyRows  # its results and scores rows
    observations: AgencyObservations  # its figures, for the benchmarks


# (the agency's returns, --as-of as given, whether the batch writes CSV)
ScoreTask = tuple[AgencyReturns, str | None, bool]


def score_agency(task: ScoreTask) -> ScoredAgency:
    """Merge and score one agency, and make its share of the tables; a scoring failure is
    reported, not raised."""
    from cipms_cli.engine.score import score_workbook

    returns, as_of_text, encode = task
    agency, problems = combine_agency(returns)
    facts = AgencyFacts.of(agency)
    as_of = agency_as_of(agency, as_of_text)
    score: AgencyScore | None = None
    failure: str | None = None
    scores = Rows()
    try:
        data = agency.unpacked()
        card = score_workbook(data, as_of, data.settings)
    except Exception as exc:  # one agency's odd data must not lose the others' scores
        failure = f"{type(exc).__name__}: {exc}"
    else:
        score = AgencyScore(card.as_of, card.summary, lsa_figures(card))
        records = scores_records(
            facts,
            score.as_of,
            score.summary,
            indicator_rows(card),
            {} if encode else score.learners,
        )
        scores = Rows.of(records, SCORES_COLUMNS, encode)
    agency.release()
    rows = AgencyRows(Rows.of(results_records(agency), RESULTS_COLUMNS, encode), scores)
    return ScoredAgency(
        facts, problems, as_of, score, failure, rows, agency_observations(agency, as_of)
    )


def agency_as_of(agency: CombinedAgency, as_of: str | None) -> dt.date | None:
    """``--as-of`` if given; else the latest return's reporting period; else its latest figure
    (the same rule as ``cipms score``)."""
    from cipms_cli.workbook.as_of import resolve_as_of

    data = agency.data
    return resolve_as_of(as_of, data.agency, data.results, data.settings.fiscal_year_start_month)


def indicator_rows(card: Any) -> list[dict[str, Any]]:
    """One row per indicator, as ``cipms score --format csv``, with its key flag, weight and
    number of periods."""
    from cipms_cli.output.scorecard import scorecard_rows

    rows = []
    for indicator, row in zip(card.indicators, scorecard_rows(card), strict=True):
        row.update(
            key=indicator.key,
            weight=indicator.weight,
            n_periods=len(indicator.spc.points),
        )
        rows.append(row)
    return rows


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
