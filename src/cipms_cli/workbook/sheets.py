"""Which sheets a workbook may hold, how they are named, and which row model each uses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from pydantic import BaseModel

from cipms_cli.workbook.cells import normalise_key
from cipms_cli.workbook.contract import (
    ActionRow,
    AgencyInfo,
    IndicatorRow,
    KeyValueRow,
    OutcomeRow,
    ResultRow,
)
from cipms_cli.workbook.learner_contract import (
    AssessmentRow,
    LearnerRow,
    MilestoneRow,
    ScaleRow,
)


class Layout(StrEnum):
    TABLE = "table"  # a header row, then one row per record
    KEY_VALUE = "key_value"  # two columns: key, value


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool
    description: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class SheetSpec:
    name: str
    model: type[BaseModel]
    layout: Layout
    description: str
    aliases: tuple[str, ...] = ()

    @cached_property
    def columns(self) -> tuple[ColumnSpec, ...]:
        specs = []
        for field_name, info in self.model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            aliases = tuple(str(a) for a in extra.get("aliases", []))  # type: ignore[union-attr]
            specs.append(
                ColumnSpec(field_name, info.is_required(), info.description or "", aliases)
            )
        return tuple(specs)

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header text -> canonical column name."""
        lookup: dict[str, str] = {}
        for column in self.columns:
            for alias in column.aliases:
                lookup.setdefault(normalise_key(alias), column.name)
        for column in self.columns:
            lookup[normalise_key(column.name)] = column.name
        return lookup

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


OUTCOMES = SheetSpec(
    "Outcomes",
    OutcomeRow,
    Layout.TABLE,
    "The outcome statements the indicators evidence.",
    ("outcome_statements", "outcome"),
)
INDICATORS = SheetSpec(
    "Indicators",
    IndicatorRow,
    Layout.TABLE,
    "One row per indicator: definition, direction, unit, frequency, baseline and target.",
    ("indicator", "kpis", "measures", "performance_indicators"),
)
RESULTS = SheetSpec(
    "Results",
    ResultRow,
    Layout.TABLE,
    "The figures, in long format: one row per indicator and period.",
    ("result", "data", "actuals", "values"),
)
AGENCY = SheetSpec(
    "Agency",
    AgencyInfo,
    Layout.KEY_VALUE,
    "Optional key/value sheet naming the agency and the period of the return.",
    ("organisation", "organization", "provider", "about"),
)
SETTINGS = SheetSpec(
    "Settings",
    KeyValueRow,
    Layout.KEY_VALUE,
    "Optional key/value sheet of options (fiscal year start, SPC variants, scoring).",
    ("options", "config", "configuration"),
)

LEARNERS = SheetSpec(
    "Learners",
    LearnerRow,
    Layout.TABLE,
    "Learner Skill Attainment: one row per learner (a pseudonymous code, never a name), "
    "with goal path, start and exit dates.",
    ("learner", "learner_records", "participants", "clients"),
)
ASSESSMENTS = SheetSpec(
    "Assessments",
    AssessmentRow,
    Layout.TABLE,
    "Learner Skill Attainment: one row per assessment of a learner in a domain "
    "(Reading, Document Use, Numeracy), with its score.",
    ("assessment", "assessment_results", "scores", "skill_assessments"),
)
MILESTONES = SheetSpec(
    "Milestones",
    MilestoneRow,
    Layout.TABLE,
    "Learner Skill Attainment: one row per milestone (or culminating task) a learner "
    "completed, with its competency (A to F) and level (1 to 3).",
    ("milestone", "milestones_completed", "milestone_tasks"),
)
SCALES = SheetSpec(
    "Scales",
    ScaleRow,
    Layout.TABLE,
    "Optional: the score band of each level per domain; one level is one meaningful "
    "increment. Without it, increments come from the Assessments level column.",
    ("scale", "score_bands", "bands", "levels"),
)
LEARNER_SHEETS = (LEARNERS, ASSESSMENTS, MILESTONES, SCALES)

ACTIONS = SheetSpec(
    "Actions",
    ActionRow,
    Layout.TABLE,
    "Optional action plan: one row per improvement action, with the indicator it should "
    "move, owner, dates, resources, expected effect and status (cipms plan writes it).",
    ("action", "action_plan", "improvement_actions", "improvement_plan"),
)

SHEETS: tuple[SheetSpec, ...] = (
    AGENCY,
    SETTINGS,
    OUTCOMES,
    INDICATORS,
    RESULTS,
    *LEARNER_SHEETS,
    ACTIONS,
)
INFORMATIONAL_SHEETS = {"instructions", "readme", "notes", "lists", "lookups"}


def match_sheet(name: str) -> SheetSpec | None:
    key = normalise_key(name)
    for spec in SHEETS:
        if key == normalise_key(spec.name) or key in spec.aliases:
            return spec
    return None
