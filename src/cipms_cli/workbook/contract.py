"""The workbook contract: one Pydantic model per sheet row.

Each field's ``json_schema_extra`` carries the header aliases the reader accepts,
so the models are the single source for validation, ``cipms schema``, ``cipms init``
and docs/workbook.md.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from cipms_cli.periods import FREQUENCY_ALIASES, Frequency
from cipms_cli.workbook.cells import is_blank, normalise_key, to_bool, to_date, to_number, to_text


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


class Unit(StrEnum):
    PERCENT = "percent"
    COUNT = "count"
    RATE = "rate"
    CURRENCY = "currency"
    DAYS = "days"
    SCORE = "score"


class MeasureType(StrEnum):
    HOW_MUCH = "how_much"
    HOW_WELL = "how_well"
    BETTER_OFF = "better_off"


DIRECTION_ALIASES = {
    "increase": Direction.INCREASE,
    "higher_is_better": Direction.INCREASE,
    "higher": Direction.INCREASE,
    "up": Direction.INCREASE,
    "increasing": Direction.INCREASE,
    "bigger_is_better": Direction.INCREASE,
    "decrease": Direction.DECREASE,
    "lower_is_better": Direction.DECREASE,
    "lower": Direction.DECREASE,
    "down": Direction.DECREASE,
    "decreasing": Direction.DECREASE,
    "reduce": Direction.DECREASE,
    "smaller_is_better": Direction.DECREASE,
    "neutral": Direction.NEUTRAL,
    "none": Direction.NEUTRAL,
    "either": Direction.NEUTRAL,
    "no_direction": Direction.NEUTRAL,
}
UNIT_ALIASES = {
    "percent": Unit.PERCENT,
    "percentage": Unit.PERCENT,
    "pct": Unit.PERCENT,
    "": Unit.PERCENT,  # "%" normalises to the empty key
    "count": Unit.COUNT,
    "number": Unit.COUNT,
    "no": Unit.COUNT,
    "rate": Unit.RATE,
    "ratio": Unit.RATE,
    "currency": Unit.CURRENCY,
    "cost": Unit.CURRENCY,
    "money": Unit.CURRENCY,
    "days": Unit.DAYS,
    "day": Unit.DAYS,
    "score": Unit.SCORE,
    "points": Unit.SCORE,
}
MEASURE_TYPE_ALIASES = {
    "how_much": MeasureType.HOW_MUCH,
    "how_much_did_we_do": MeasureType.HOW_MUCH,
    "quantity": MeasureType.HOW_MUCH,
    "output": MeasureType.HOW_MUCH,
    "how_well": MeasureType.HOW_WELL,
    "how_well_did_we_do_it": MeasureType.HOW_WELL,
    "quality": MeasureType.HOW_WELL,
    "better_off": MeasureType.BETTER_OFF,
    "is_anyone_better_off": MeasureType.BETTER_OFF,
    "outcome": MeasureType.BETTER_OFF,
}


def _choice(aliases: dict[str, Any], code: str, allowed: str) -> Any:
    def coerce(value: Any) -> Any:
        if is_blank(value):
            return None
        key = normalise_key(value)
        if key in aliases:
            return aliases[key]
        raise PydanticCustomError(
            code, "'{value}' is not allowed; use one of: " + allowed, {"value": value}
        )

    return coerce


def _required_text(value: Any) -> str:
    text = to_text(value)
    if text is None:
        raise PydanticCustomError("missing-value", "this cell is empty; it is required")
    return text


def _identifier(value: Any) -> str:
    text = _required_text(value)
    if len(text) > 64:
        raise PydanticCustomError(
            "invalid-identifier", "an identifier must be at most 64 characters"
        )
    return text


def _required(coerce: Any) -> Any:
    def inner(value: Any) -> Any:
        result = coerce(value)
        if result is None:
            raise PydanticCustomError("missing-value", "this cell is empty; it is required")
        return result

    return inner


Identifier = Annotated[str, BeforeValidator(_identifier)]
RequiredText = Annotated[str, BeforeValidator(_required_text)]
OptionalText = Annotated[str | None, BeforeValidator(to_text)]
OptionalNumber = Annotated[float | None, BeforeValidator(to_number)]
OptionalBool = Annotated[bool | None, BeforeValidator(to_bool)]
RequiredDate = Annotated[dt.date, BeforeValidator(_required(to_date))]
OptionalDate = Annotated[dt.date | None, BeforeValidator(to_date)]
# Periods are kept raw here and parsed once the indicator's frequency is known.
RawPeriod = Annotated[Any, BeforeValidator(lambda v: None if is_blank(v) else v)]
DirectionField = Annotated[
    Direction,
    BeforeValidator(
        _required(
            _choice(
                DIRECTION_ALIASES,
                "invalid-direction",
                "increase (higher is better), decrease (lower is better), neutral",
            )
        )
    ),
]
UnitField = Annotated[
    Unit,
    BeforeValidator(
        _required(
            _choice(UNIT_ALIASES, "invalid-unit", "percent, count, rate, currency, days, score")
        )
    ),
]
FrequencyField = Annotated[
    Frequency,
    BeforeValidator(
        _required(_choice(FREQUENCY_ALIASES, "invalid-frequency", "monthly, quarterly, annual"))
    ),
]
MeasureTypeField = Annotated[
    MeasureType | None,
    BeforeValidator(
        _choice(MEASURE_TYPE_ALIASES, "invalid-measure-type", "how_much, how_well, better_off")
    ),
]


def col(description: str, *aliases: str, example: Any = None, **kwargs: Any) -> Any:
    extra: dict[str, Any] = {"aliases": list(aliases)}
    if example is not None:
        extra["example"] = example
    return Field(description=description, json_schema_extra=extra, **kwargs)


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", use_enum_values=False)


class OutcomeRow(Row):
    outcome_id: Identifier = col(
        "Short code of the outcome statement.", "outcome", "id", example="O1"
    )
    statement: RequiredText = col(
        "The outcome statement: the change in people's lives the service works for.",
        "outcome_statement",
        "outcome_description",
        "description",
        example="Adults in the region have the literacy and numeracy skills to reach their goals",
    )
    population: OptionalText = col(
        "Who the outcome is for.", "target_population", "client_group", default=None
    )
    owner: OptionalText = col("Who is accountable for the outcome.", "lead", default=None)


class IndicatorRow(Row):
    indicator_id: Identifier = col(
        "Short code of the indicator.", "indicator", "kpi_id", "measure_id", "pi_ref", example="I01"
    )
    name: RequiredText = col(
        "What is measured.", "indicator_name", "title", "kpi", example="Learners served"
    )
    outcome_id: Identifier = col(
        "The outcome statement this indicator evidences.", "outcome", example="O1"
    )
    direction: DirectionField = col(
        "Which way is better: increase, decrease or neutral "
        '("higher is better" and "lower is better" are accepted).',
        "polarity",
        "good_direction",
        "improvement_direction",
        example="increase",
    )
    unit: UnitField = col(
        "percent, count, rate, currency, days or score.",
        "units",
        "unit_of_measure",
        example="count",
    )
    frequency: FrequencyField = col(
        "monthly, quarterly or annual.", "reporting_frequency", "periodicity", example="quarterly"
    )
    target_value: OptionalNumber = col(
        "The value to reach by target_period.", "target", example=450
    )
    target_period: RawPeriod = col(
        "When the target is due (a period of the indicator's frequency).",
        "target_date",
        "target_by",
        "due",
        example="2026-Q1",
    )
    measure_type: MeasureTypeField = col(
        "Results-Based Accountability quadrant: how_much, how_well or better_off.",
        "rba_quadrant",
        "quadrant",
        "rba",
        "rba_measure",
        default=None,
    )
    baseline_period: RawPeriod = col(
        "The period the baseline refers to.", "baseline_date", default=None
    )
    baseline_value: OptionalNumber = col(
        "The baseline value, if not the value at baseline_period.", "baseline", default=None
    )
    tolerance: OptionalNumber = col(
        "How far short of the trajectory still counts as at_risk rather than off_track, "
        "in the indicator's unit.",
        "tolerance_band",
        default=None,
    )
    weight: OptionalNumber = col(
        "Weight in the composite score (default 1).", "weighting", default=None
    )
    minimum_standard: OptionalNumber = col(
        "The floor a key indicator must not fall below.", "minimum", "floor", default=None
    )
    key: OptionalBool = col(
        "yes for a key indicator whose minimum standard caps the star rating.",
        "key_indicator",
        "is_key",
        default=None,
    )
    owner: OptionalText = col("Who is accountable for the indicator.", "lead", default=None)
    data_source: OptionalText = col("Where the figures come from.", "source_system", default=None)
    definition: OptionalText = col(
        "How the figure is calculated.", "description", "notes", default=None
    )
    source: OptionalText = col(
        "A derived measure that computes the series, such as lsa.learner_progress.",
        "derived_from",
        "calculation",
        default=None,
    )
    rebase_periods: OptionalText = col(
        "Periods where a process change began, comma-separated; SPC limits restart there.",
        "rebase",
        "recalculate_at",
        default=None,
    )
    spc_baseline_points: OptionalNumber = col(
        "Fix SPC limits after the first N (12 or more) points.", "fix_after", default=None
    )


class ResultRow(Row):
    indicator_id: Identifier = col("The indicator.", "indicator", "kpi_id", example="I01")
    period: RawPeriod = col(
        "The period, such as 2024-Q1, 2024-03, Mar 2024, 2024, FY2024-25 or a date.",
        "quarter",
        "month",
        "reporting_period",
        "date",
        example="2024-Q1",
    )
    value: OptionalNumber = col(
        "The figure; leave empty when numerator and denominator are given.",
        "actual",
        "result",
        "figure",
        default=None,
    )
    numerator: OptionalNumber = col("Numerator of a rate or percent.", "num", default=None)
    denominator: OptionalNumber = col("Denominator of a rate or percent.", "denom", default=None)
    note: OptionalText = col("Free-text note.", "comment", "notes", "comments", default=None)
    agency_id: OptionalText = col("The agency, in multi-agency returns.", "agency", default=None)


# The typed Results frame the engine reads; derived series and batch merges use it too.
RESULT_COLUMNS = [
    "indicator_id",
    "period",
    "value",
    "numerator",
    "denominator",
    "note",
    "agency_id",
    "row",
]


class AgencyInfo(Row):
    agency_id: OptionalText = col("Short code of the agency.", "id", "agency", default=None)
    agency_name: OptionalText = col("The agency's name.", "name", default=None)
    stream: OptionalText = col("Service stream, such as Anglophone.", default=None)
    region: OptionalText = col("Region.", default=None)
    reporting_period: RawPeriod = col("The period this return covers.", "period", default=None)


class KeyValueRow(Row):
    key: RequiredText = col("Setting or field name.", "setting", "field", "name", "item")
    value: Any = col("Its value.", "setting_value", default=None)


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.DROPPED)
ACTION_STATUS_ALIASES = {
    "not_started": ActionStatus.NOT_STARTED,
    "not_yet_started": ActionStatus.NOT_STARTED,
    "planned": ActionStatus.NOT_STARTED,
    "to_do": ActionStatus.NOT_STARTED,
    "todo": ActionStatus.NOT_STARTED,
    "in_progress": ActionStatus.IN_PROGRESS,
    "started": ActionStatus.IN_PROGRESS,
    "ongoing": ActionStatus.IN_PROGRESS,
    "underway": ActionStatus.IN_PROGRESS,
    "done": ActionStatus.DONE,
    "complete": ActionStatus.DONE,
    "completed": ActionStatus.DONE,
    "finished": ActionStatus.DONE,
    "blocked": ActionStatus.BLOCKED,
    "on_hold": ActionStatus.BLOCKED,
    "stuck": ActionStatus.BLOCKED,
    "dropped": ActionStatus.DROPPED,
    "cancelled": ActionStatus.DROPPED,
    "canceled": ActionStatus.DROPPED,
    "abandoned": ActionStatus.DROPPED,
}
ActionStatusField = Annotated[
    ActionStatus | None,
    BeforeValidator(
        _choice(
            ACTION_STATUS_ALIASES,
            "invalid-status",
            "not_started, in_progress, done, blocked, dropped",
        )
    ),
]


class ActionRow(Row):
    """One improvement action of the action plan (the optional Actions sheet)."""

    action_id: Identifier = col(
        "Short code of the action.", "action_ref", "ref", "id", "action_no", example="A1"
    )
    indicator_id: Identifier = col(
        "The indicator the action should move.", "indicator", "kpi_id", "measure_id", example="I01"
    )
    action: RequiredText = col(
        "What will be done.",
        "action_description",
        "description",
        "activity",
        "what",
        example="Offer same-week assessment slots at the two busiest sites",
    )
    owner: OptionalText = col(
        "Who is accountable for the action.",
        "lead",
        "responsible",
        "accountable",
        "who",
        default=None,
    )
    start: OptionalDate = col(
        "When the action starts (a date).", "start_date", "from", default=None
    )
    due: OptionalDate = col(
        "When the action should be finished (a date).",
        "due_date",
        "deadline",
        "by_when",
        "end_date",
        default=None,
    )
    resources: OptionalText = col(
        "Staff time, money or other resources the action needs.",
        "resourcing",
        "budget",
        "with_what",
        default=None,
    )
    expected_effect_value: OptionalNumber = col(
        "The indicator value the action should achieve, in the indicator's unit.",
        "expected_effect",
        "expected_value",
        "effect_value",
        default=None,
    )
    expected_effect_date: OptionalDate = col(
        "When the effect should show (a date).", "expected_by", "effect_date", default=None
    )
    status: ActionStatusField = col(
        "not_started, in_progress, done, blocked or dropped (blank means not_started).",
        "action_status",
        "state",
        default=None,
    )
    evidence: OptionalText = col(
        "What shows the action was done and what it changed.",
        "evidence_of_effect",
        "notes",
        "comments",
        default=None,
    )
